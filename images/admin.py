"""The media library in the tenant's admin: upload one or many images (drag and drop),
edit title, alt text and focal point, see where each is used, delete (asking first when
pages use it), and the chooser the page editor opens to pick or upload an image.

Thin: every write goes through images.services, reads through images.selectors.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_POST

from images import selectors, services
from images.models import Image
from images.storage import images_storage
from images.validation import ImageInvalid, image_fields_check

UPLOADED = "{count} image(s) added to the library."
ALREADY_THERE = "{name}: already in the library as “{title}”."
REFUSED = "{name} not added: {reason}"
NO_FILES = "Choose or drop at least one image file."
CHOOSER_PAGE_SIZE = 24


class ImageChangeForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["title", "alt", "focal_x", "focal_y"]
        widgets = {"alt": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "focal_x": "Where the subject is, from 0 (left) to 1 (right); click the preview to set both.",
            "focal_y": "From 0 (top) to 1 (bottom).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alt"].required = False  # checked below, with the message the API gives

    def clean(self):
        data = super().clean()
        try:
            image_fields_check(
                title=data.get("title"), alt=data.get("alt"), focal=(data.get("focal_x"), data.get("focal_y"))
            )
        except ImageInvalid as exc:
            for error in exc.errors:
                self.add_error(error["loc"][0] if error["loc"][0] in self.fields else None, error["msg"])
        return data


def _upload_refusals(exc: ImageInvalid) -> str:
    return " ".join(error["msg"] for error in exc.errors)


def _image_json(image: Image) -> dict:
    return {
        "id": image.pk,
        "title": image.title,
        "alt": image.alt,
        "width": image.width,
        "height": image.height,
        "status": image.status,
        "thumbnail": selectors.image_thumbnail_url(image) or reverse("admin:images_image_original", args=[image.pk]),
    }


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageChangeForm
    change_form_template = "admin/images/image/change_form.html"
    delete_confirmation_template = "admin/images/image/delete_confirmation.html"
    list_display = ("thumbnail", "title", "dimensions", "size_kb", "status", "used_on_count", "uploaded_at")
    list_display_links = ("thumbnail", "title")
    list_filter = ("status", "format")
    search_fields = ("title", "alt")
    actions = ("renditions_remake",)
    readonly_fields = ("preview", "details", "used_on", "renditions_list")
    fieldsets = (
        (None, {"fields": ("preview", "title", "alt", ("focal_x", "focal_y"))}),
        ("File", {"fields": ("details", "renditions_list")}),
        ("Used on", {"fields": ("used_on",)}),
    )

    class Media:
        css = {"all": ["images/admin.css"]}
        js = ["images/focal.js"]

    def get_queryset(self, request):
        return selectors.image_with_usage_count(selectors.image_with_renditions(super().get_queryset(request)))

    # --- list ---

    @admin.display(description="")
    def thumbnail(self, image: Image):
        url = selectors.image_thumbnail_url(image) or reverse("admin:images_image_original", args=[image.pk])
        return format_html('<img class="images-thumb" src="{}" alt="" loading="lazy">', url)

    @admin.display(description="Size")
    def dimensions(self, image: Image):
        return f"{image.width} × {image.height}"

    @admin.display(description="KB", ordering="size")
    def size_kb(self, image: Image):
        return f"{image.size / 1024:,.0f}"

    @admin.display(description="Pages", ordering="usage_count")
    def used_on_count(self, image: Image):
        return image.usage_count

    # --- change form ---

    @admin.display(description="Preview")
    def preview(self, image: Image):
        if not image.pk:
            return "-"
        url = reverse("admin:images_image_original", args=[image.pk])
        return format_html('<img class="images-preview" src="{}" alt="" data-focal-target>', url)

    @admin.display(description="Original")
    def details(self, image: Image):
        return format_html(
            '{} × {} px, {} KB, {} · <a href="{}">download</a>',
            image.width,
            image.height,
            f"{image.size / 1024:,.0f}",
            image.get_format_display(),
            reverse("admin:images_image_original", args=[image.pk]),
        )

    @admin.display(description="Renditions")
    def renditions_list(self, image: Image):
        renditions = list(image.renditions.all())
        if not renditions:
            return image.get_status_display()
        return format_html_join(
            ", ",
            '<a href="{}" target="_blank">{} {}w</a> ({} KB)',
            ((r.url, r.format, r.width, r.size // 1024) for r in renditions),
        )

    @admin.display(description="Pages")
    def used_on(self, image: Image):
        usage = list(selectors.image_usage(image_id=image.pk))
        if not usage:
            return "Not used on any page."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (reverse("admin:content_page_change", args=[u.page_id]), u.page.path, u.page.get_status_display())
                    for u in usage
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ("title", "alt", "focal_x", "focal_y")}
        services.image_update(image=Image.objects.get(pk=obj.pk), user=request.user, **fields)

    def delete_model(self, request, obj):
        services.image_delete(image=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            services.image_delete(image=image, user=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        usage = list(selectors.image_usage(image_id=int(object_id))) if str(object_id).isdigit() else []
        return super().delete_view(request, object_id, {**(extra_context or {}), "usage": usage})

    @admin.action(description="Make the renditions again", permissions=["change"])
    def renditions_remake(self, request, queryset):
        for image in queryset:
            services.image_renditions_queue(image=image)
        self.message_user(request, f"{queryset.count()} image(s) queued.", messages.SUCCESS)

    # --- upload (the add page) ---

    def add_view(self, request, form_url="", extra_context=None):
        """Several files at once (drag and drop, or the file picker); each with its alt text."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            files = request.FILES.getlist("file")
            if not files:
                errors.append(NO_FILES)
            alts, titles = request.POST.getlist("alt"), request.POST.getlist("title")
            added = 0
            for index, file in enumerate(files):
                alt = alts[index] if index < len(alts) else (alts[0] if len(alts) == 1 else "")
                title = titles[index] if index < len(titles) else ""
                try:
                    image, created = services.image_upload(file=file, alt=alt, title=title, user=request.user)
                except ImageInvalid as exc:
                    errors.append(REFUSED.format(name=file.name, reason=_upload_refusals(exc)))
                    continue
                if created:
                    added += 1
                else:
                    self.message_user(request, ALREADY_THERE.format(name=file.name, title=image.title), messages.INFO)
            if added:
                self.message_user(request, UPLOADED.format(count=added), messages.SUCCESS)
            if not errors:
                return self.response_post_save_add(request, None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload images",
            "errors": errors,
            "max_mb": f"{settings.IMAGES_MAX_UPLOAD_BYTES / 1024 / 1024:g}",
        }
        return TemplateResponse(request, "admin/images/image/upload.html", context, status=400 if errors else 200)

    # --- chooser (the page editor's image picker) and the original ---

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("chooser/", view(self.chooser_view), name="images_image_chooser"),
            path("chooser/upload/", view(self.chooser_upload_view), name="images_image_chooser_upload"),
            path("<int:image_id>/original/", view(self.original_view), name="images_image_original"),
            *super().get_urls(),
        ]

    def chooser_view(self, request):
        """JSON for the chooser: `?q=` words of title or alt, `?page=`, or `?id=` one image."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _chooser_list(request)

    def chooser_upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return _chooser_upload(request)

    def original_view(self, request, image_id: int):
        """The uploaded file itself, for staff only (it keeps its EXIF)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = get_object_or_404(Image, pk=image_id)
        try:
            file = images_storage().open(image.file.name)
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(file, content_type=f"image/{image.format.lower()}")
        response["Cache-Control"] = "private, max-age=3600"
        return response


@require_GET
def _chooser_list(request):
    if (image_id := request.GET.get("id", "")).isdigit():
        image = selectors.image_with_renditions(Image.objects.filter(pk=image_id)).first()
        return JsonResponse({"results": [_image_json(image)] if image else [], "has_next": False})
    images = selectors.image_with_renditions(selectors.image_list(query=request.GET.get("q", "")[:200]))
    page = Paginator(images, CHOOSER_PAGE_SIZE).get_page(request.GET.get("page"))
    return JsonResponse({"results": [_image_json(image) for image in page], "has_next": page.has_next()})


@require_POST
def _chooser_upload(request):
    try:
        image, _ = services.image_upload(
            file=request.FILES.get("file"),
            alt=request.POST.get("alt", ""),
            title=request.POST.get("title", ""),
            user=request.user,
        )
    except ImageInvalid as exc:
        return JsonResponse({"errors": exc.errors}, status=exc.status)
    return JsonResponse({"image": _image_json(image)})
