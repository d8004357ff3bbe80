"""Writes of the media library. The admin, the API, the demo and the rendition task call these.

An upload is judged by its content (images.validation) before anything is stored; a
refused one stores nothing. The original is written first and the row second (a file
without a row is harmless, a row without its file is not), and the renditions are made
by a Celery task queued after the commit. Every change that alters what visitors see
(renditions made, alt text or focal point edited, image deleted) sends `images_changed`
after the commit, so the pages showing the image are re-rendered (content listens).
"""

import hashlib
import logging
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from images.models import Image, ImageUsage, Rendition
from images.renditions import renditions_make
from images.signals import images_changed
from images.storage import images_storage
from images.validation import ImageInvalid, image_fields_check, image_inspect

logger = logging.getLogger(__name__)

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}


def _author(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _title_from(file) -> str:
    """`IMG_2041-final.jpg` -> `IMG 2041 final`: a start the editor can improve."""
    stem = PurePath(getattr(file, "name", "") or "").stem
    stem = "".join(c for c in stem if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)  # not storable
    return " ".join(stem.replace("_", " ").replace("-", " ").split())[:200] or "Untitled image"


def _on_commit(run) -> None:
    """Run `run` after the commit, in the schema that is active now."""
    schema_name = connection.schema_name

    def in_schema():
        with schema_context(schema_name):
            run()

    transaction.on_commit(in_schema)


def _changed(image_ids) -> None:
    ids = list(image_ids)
    _on_commit(lambda: images_changed.send(sender=Image, image_ids=ids))


def image_upload(
    *, file, alt: str, title: str = "", user=None, focal_x: float | None = None, focal_y: float | None = None
) -> tuple[Image, bool]:
    """Add an image to the library; returns (image, created). The same bytes uploaded
    again return the image already there (created False), whatever title is given.
    Raises ImageInvalid (status 413 or 422) with every problem of the upload at once."""
    errors: list[dict] = []
    status = 422
    try:
        fields = image_fields_check(title=title, alt=alt, focal=(focal_x, focal_y))
    except ImageInvalid as exc:
        errors.extend(exc.errors)
    try:
        inspected = image_inspect(file)
    except ImageInvalid as exc:
        errors = exc.errors + errors
        status = exc.status
    if errors:
        raise ImageInvalid(errors, status=status)
    existing = Image.objects.filter(content_hash=inspected.content_hash).first()
    if existing is not None:
        return existing, False
    digest = inspected.content_hash
    name = f"images/o/{digest[:2]}/{digest}.{_EXTENSIONS[inspected.format]}"
    storage = images_storage()
    if not storage.exists(name):  # a file left by an upload whose row was never committed
        file.seek(0)
        name = storage.save(name, file)
    try:
        with transaction.atomic():
            image = Image.objects.create(
                title=fields["title"] or _title_from(file),
                alt=fields["alt"],
                file=name,
                format=inspected.format,
                width=inspected.width,
                height=inspected.height,
                size=inspected.size,
                content_hash=digest,
                focal_x=fields.get("focal_x"),
                focal_y=fields.get("focal_y"),
                uploaded_by=_author(user),
            )
    except IntegrityError:  # the same file uploaded at the same moment: one image
        return Image.objects.get(content_hash=digest), False
    _renditions_queue(image.pk)
    return image, True


def _renditions_queue(image_id: int) -> None:
    from images.tasks import image_renditions_task  # tasks import the services

    def send():
        try:
            image_renditions_task.delay(image_id)
        except Exception:  # broker down: the image stays "pending"; the admin action re-queues
            logger.exception("could not queue the renditions of image %s", image_id)

    _on_commit(send)


def image_renditions_queue(*, image: Image) -> None:
    """Make the renditions again (after a failure, or new rendition settings)."""
    with transaction.atomic():
        Image.objects.filter(pk=image.pk).update(status=Image.Status.PENDING)
    _renditions_queue(image.pk)


def image_renditions_make(*, image_id: int) -> Image | None:
    """Decode the original once, write every rendition, then swap the rows in one
    transaction. Idempotent: an image already ready is left alone; a deleted one is
    skipped. Returns the image (None if it was deleted)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None or image.is_ready:
        return image
    storage = images_storage()
    try:
        with storage.open(image.file.name) as source:
            made = renditions_make(source, original_format=image.format)
    except Exception:
        logger.exception("renditions of image %s failed", image_id)
        Image.objects.filter(pk=image_id).update(status=Image.Status.FAILED)
        raise
    rows = []
    for item in made:
        name = (
            f"images/r/{image.content_hash[:2]}/{image.content_hash[:16]}-{item.width}w-"
            f"{hashlib.sha256(item.data).hexdigest()[:12]}.{item.extension}"
        )
        if not storage.exists(name):
            name = storage.save(name, ContentFile(item.data))
        rows.append(Rendition(width=item.width, height=item.height, format=item.format, file=name, size=len(item.data)))
    with transaction.atomic():
        locked = Image.objects.select_for_update().filter(pk=image_id).first()
        if locked is None:  # deleted while the renditions were made
            _files_delete([row.file.name for row in rows])
            return None
        Rendition.objects.filter(image=locked).delete()
        for row in rows:
            row.image = locked
        Rendition.objects.bulk_create(rows)
        locked.status = Image.Status.READY
        locked.save(update_fields=["status", "updated_at"])
    _changed([image_id])
    return locked


def image_update(*, image: Image, user=None, **fields) -> Image:
    """Change title, alt text or focal point (`focal_x`/`focal_y`, both or neither)."""
    focal = (fields.pop("focal_x", image.focal_x), fields.pop("focal_y", image.focal_y))
    clean = image_fields_check(title=fields.pop("title", None), alt=fields.pop("alt", None), focal=focal)
    if fields:
        raise ImageInvalid([{"loc": [name], "msg": "unknown field"} for name in fields])
    if clean.get("title") == "":
        clean["title"] = image.title
    for name, value in clean.items():
        setattr(image, name, value)
    with transaction.atomic():
        image.save(update_fields=[*clean, "updated_at"])
    _changed([image.pk])
    return image


def image_delete(*, image: Image, user=None) -> None:
    """Delete the image and its files. Pages that show it are re-rendered without it
    (after the commit, then the files go): callers ask the editor first when
    `image_usage` is not empty."""
    names = [image.file.name, *(r.file.name for r in image.renditions.all())]
    image_id = image.pk
    with transaction.atomic():
        image.delete()
    _changed([image_id])
    _on_commit(lambda: _files_delete(names))


def _files_delete(names) -> None:
    storage = images_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete %s", name)


def image_usage_set(*, page_id: int, image_ids) -> None:
    """Record which images a page refers to (content's page services call this inside
    their write transaction)."""
    wanted = set(image_ids)
    current = set(ImageUsage.objects.filter(page_id=page_id).values_list("image_id", flat=True))
    if current - wanted:
        ImageUsage.objects.filter(page_id=page_id, image_id__in=current - wanted).delete()
    if wanted - current:
        ImageUsage.objects.bulk_create(
            [ImageUsage(page_id=page_id, image_id=pk) for pk in wanted - current], ignore_conflicts=True
        )


def tenant_files_delete(*, schema_name: str) -> None:
    """Every file of a deleted tenant: a later tenant given the same schema name must not
    serve them. Connected to the Tenant's post_delete (images.apps), run after the commit."""
    storage = images_storage()
    transaction.on_commit(lambda: storage.tenant_files_delete(schema_name), robust=True)
