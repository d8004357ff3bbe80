"""The media library of a tenant: original images and their renditions (tenant schema).

An `Image` is the uploaded original, kept private (staff download it from the admin);
visitors only ever get `Rendition`s: resized, EXIF-free copies in WebP and in the
original's format, made by a Celery task after the upload, with a content hash in
their file names so they can be cached forever.
"""

from django.conf import settings
from django.db import models

from images.storage import images_storage


class Image(models.Model):
    class Format(models.TextChoices):
        JPEG = "JPEG", "JPEG"
        PNG = "PNG", "PNG"
        WEBP = "WEBP", "WebP"
        GIF = "GIF", "GIF"
        AVIF = "AVIF", "AVIF"

    class Status(models.TextChoices):
        PENDING = "pending", "Renditions being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Renditions failed"

    title = models.CharField(max_length=200)
    alt = models.CharField(
        "alternative text",
        max_length=500,
        help_text="What the picture shows, for people who cannot see it (read by screen readers).",
    )
    file = models.FileField(storage=images_storage, max_length=255, editable=False)
    format = models.CharField(max_length=8, choices=Format.choices, editable=False)
    # As displayed: the EXIF orientation is applied, so a portrait phone photo is taller than wide.
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    size = models.PositiveBigIntegerField("size in bytes", editable=False)
    # SHA-256 of the uploaded bytes: the same file uploaded twice is one image.
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Where the subject is (0..1 from the left / top), kept in view when a design crops.
    # (Checked in images.validation, like every field an editor sets.)
    focal_x = models.FloatField(null=True, blank=True)
    focal_y = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class Rendition(models.Model):
    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8, choices=Format.choices)
    file = models.FileField(storage=images_storage, max_length=255)
    size = models.PositiveIntegerField("size in bytes")

    class Meta:
        ordering = ["image", "format", "width"]
        constraints = [models.UniqueConstraint(fields=["image", "width", "format"], name="images_rendition_unique")]

    def __str__(self) -> str:
        return f"{self.image_id} {self.width}w {self.format}"

    @property
    def url(self) -> str:
        return f"{settings.MEDIA_URL}{self.file.name}"


class ImageUsage(models.Model):
    """A page whose draft or published blocks refer to an image, kept by content's page
    services in the page's own write transaction. `image_id` is a plain number, not a
    foreign key: the rows must outlive a deleted image so the pages that showed it can
    be found and re-rendered without it."""

    image_id = models.BigIntegerField(db_index=True)
    page = models.ForeignKey("content.Page", on_delete=models.CASCADE, related_name="image_usages")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "image_id"], name="images_usage_unique")]

    def __str__(self) -> str:
        return f"image {self.image_id} on page {self.page_id}"
