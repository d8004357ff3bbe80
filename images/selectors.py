"""Reads of the media library. `image_render_map` is what a published page stores: the
page view then renders images without a query of its own."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from images.models import Image, ImageUsage, Rendition

# The `src` for browsers that ignore srcset, and the chooser's thumbnails.
_DEFAULT_WIDTH = 960
_THUMBNAIL_WIDTH = 320
_MIME = {"webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}


def image_list(*, query: str = "") -> QuerySet[Image]:
    """The library, newest first; `query` matches words of the title or alt text."""
    images = Image.objects.all()
    for word in query.split()[:8]:
        images = images.filter(Q(title__icontains=word) | Q(alt__icontains=word))
    return images.order_by("-uploaded_at", "-id")


def image_get(*, image_id: int) -> Image:
    """Raises Image.DoesNotExist (in this tenant's schema: another tenant's id is unknown)."""
    return Image.objects.get(pk=image_id)


def image_ids_existing(*, image_ids) -> set[int]:
    return set(Image.objects.filter(pk__in=set(image_ids)).values_list("pk", flat=True))


def image_with_renditions(queryset: QuerySet[Image]) -> QuerySet[Image]:
    return queryset.prefetch_related(Prefetch("renditions", queryset=Rendition.objects.order_by("format", "width")))


def image_with_usage_count(queryset: QuerySet[Image]) -> QuerySet[Image]:
    """Each image with `usage_count`, the number of pages using it (one subquery, not one per row)."""
    pages = ImageUsage.objects.filter(image_id=OuterRef("pk")).values("image_id").annotate(n=Count("*")).values("n")
    return queryset.annotate(usage_count=Coalesce(Subquery(pages, output_field=IntegerField()), 0))


def image_render_map(*, image_ids) -> dict[str, dict | None]:
    """{"<id>": what a template needs to show the image, or None when the id is not in
    the library (deleted)}. Two queries, whatever the number of images."""
    ids = sorted(set(image_ids))
    found = {image.pk: image for image in image_with_renditions(Image.objects.filter(pk__in=ids))}
    return {str(pk): (image_render_data(found[pk]) if pk in found else None) for pk in ids}


def image_render_data(image: Image) -> dict:
    """alt, width, height, focal point and, once renditions exist, `src`/`srcset` in the
    fallback format and `webp` (a srcset) when the fallback is not WebP."""
    data = {"alt": image.alt, "width": image.width, "height": image.height, "ready": image.is_ready}
    if image.focal_x is not None and image.focal_y is not None:
        data["focal"] = [round(image.focal_x * 100, 1), round(image.focal_y * 100, 1)]
    renditions = list(image.renditions.all()) if image.is_ready else []
    if not renditions:
        data["ready"] = False
        return data
    webp = [r for r in renditions if r.format == Rendition.Format.WEBP]
    fallback = [r for r in renditions if r.format != Rendition.Format.WEBP] or webp
    fallback.sort(key=lambda r: r.width)
    data["srcset"] = _srcset(fallback)
    data["type"] = _MIME[fallback[0].format]
    data["src"] = _closest(fallback, _DEFAULT_WIDTH).url
    if fallback is not webp and webp:
        data["webp"] = _srcset(sorted(webp, key=lambda r: r.width))
    return data


def _srcset(renditions) -> str:
    return ", ".join(f"{r.url} {r.width}w" for r in renditions)


def _closest(renditions, width: int) -> Rendition:
    """The widest rendition not wider than `width`, else the narrowest."""
    narrower = [r for r in renditions if r.width <= width]
    return narrower[-1] if narrower else renditions[0]


def image_thumbnail_url(image: Image) -> str | None:
    """A small rendition for the admin (WebP, ~320 px) once renditions exist (uses
    prefetched renditions when there are any)."""
    renditions = [r for r in image.renditions.all() if r.format == Rendition.Format.WEBP]
    if not renditions:
        return None
    renditions.sort(key=lambda r: r.width)
    return _closest(renditions, _THUMBNAIL_WIDTH).url


def image_usage(*, image_id: int) -> QuerySet[ImageUsage]:
    """Where the image is used: one row per page (with the page), by the page's slug."""
    return ImageUsage.objects.filter(image_id=image_id).select_related("page").order_by("page__slug")


def image_usage_page_ids(*, image_ids) -> list[int]:
    return list(ImageUsage.objects.filter(image_id__in=set(image_ids)).values_list("page_id", flat=True).distinct())
