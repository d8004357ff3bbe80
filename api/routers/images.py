"""The media library: upload (multipart), list, read, delete. Thin callers of
images.services / images.selectors.

The upload is read by hand rather than through ninja's File/Form parameters so that a
body over the size limit is refused from its Content-Length, before Django spools it to
disk; the multipart body is documented in OpenAPI all the same.
"""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import Problem, codes_4xx
from api.parser import content_length
from api.permissions import permission_require
from images import selectors, services
from images.models import Image, Rendition
from images.validation import FILE_TOO_LARGE, ImageInvalid

router = Router(tags=["images"])
MANAGE = [JWTAuth(), ApiKeyAuth("images:write")]

IMAGE_IN_USE = "The image is used on {count} page(s): {pages}. Send `?force=true` to delete it anyway."
FOCAL_NOT_A_NUMBER = "A number from 0 to 1."
MULTIPART_REQUIRED = "Send the image as multipart/form-data with the fields `file` and `alt`."
MULTIPART_BROKEN = "The multipart body cannot be read: {error}"
# Room for the multipart boundaries and the form fields around the file itself.
_MULTIPART_SLACK = 64 * 1024

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "alt"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "JPEG, PNG, WebP, GIF or AVIF (judged by content); no SVG.",
                    },
                    # No "type": a multipart field is text whatever it looks like, so "42" is a
                    # fine title (a schema-level type would have fuzzers send it as a "number").
                    "alt": {"maxLength": 500, "description": "Alternative text (required)."},
                    "title": {"maxLength": 200, "description": "Defaults to the file name."},
                    "focal_x": {"type": "number", "minimum": 0, "maximum": 1},
                    "focal_y": {"type": "number", "minimum": 0, "maximum": 1},
                },
            }
        }
    },
}


class RenditionOut(Schema):
    width: int
    height: int
    format: Literal["webp", "jpeg", "png"]
    size: int
    url: str = Field(description="Path on this site's host; cacheable forever (the name holds a content hash).")


class ImageOut(Schema):
    id: int
    title: str
    alt: str
    width: int
    height: int
    size: int
    format: Literal["JPEG", "PNG", "WEBP", "GIF", "AVIF"]
    content_hash: str
    focal_x: float | None
    focal_y: float | None
    # Literals, not the models' TextChoices: Page.Status would share the name "Status" in OpenAPI.
    status: Literal["pending", "ready", "failed"] = Field(
        description="`pending` until the renditions are made (seconds), then `ready` (or `failed`)."
    )
    uploaded_at: datetime
    renditions: list[RenditionOut]

    @staticmethod
    def resolve_renditions(image: Image) -> list[Rendition]:
        return list(image.renditions.all())


class PageUse(Schema):
    slug: str
    title: str
    status: str


class ImageDetail(ImageOut):
    used_on: list[PageUse] = Field(description="Pages whose draft or published blocks show this image.")

    @staticmethod
    def resolve_used_on(image: Image) -> list[dict]:
        return [
            {"slug": use.page.slug, "title": use.page.title, "status": use.page.status}
            for use in selectors.image_usage(image_id=image.pk)
        ]


class ImageList(Schema):
    count: int
    items: list[ImageOut]


class ImageListQuery(Schema):
    q: str = Field("", max_length=200, description="Words of the title or alt text.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class DeleteQuery(Schema):
    force: bool = Field(False, description="Delete even when pages use the image (they show no image then).")


def _number(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "")
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ImageInvalid([{"loc": [name], "msg": FOCAL_NOT_A_NUMBER}]) from None


@router.get("", response={200: ImageList, codes_4xx: Problem}, auth=MANAGE)
def image_list(request: HttpRequest, query: Query[ImageListQuery]):
    """The library, newest first, optionally filtered by words of the title or alt text."""
    permission_require(request, "images.view_image")
    images = selectors.image_list(query=query.q)
    page = selectors.image_with_renditions(images)[query.offset : query.offset + query.limit]
    return {"count": images.count(), "items": list(page)}


@router.post(
    "",
    response={201: ImageOut, 200: ImageOut, codes_4xx: Problem},
    auth=MANAGE,
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
def image_upload(request: HttpRequest):
    """Upload an image (`multipart/form-data`: `file`, `alt`, optional `title`, `focal_x`,
    `focal_y`). 201 with the new image (renditions follow within seconds: `status`), or 200
    with the image already in the library when the same file was uploaded before."""
    permission_require(request, "images.add_image")
    limit = settings.IMAGES_MAX_UPLOAD_BYTES
    declared = content_length(request)
    if declared > limit + _MULTIPART_SLACK:
        msg = FILE_TOO_LARGE.format(size=declared, limit=limit, limit_mb=limit / 1024 / 1024)
        raise ImageInvalid([{"loc": ["file"], "msg": msg}], status=413)
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise HttpError(422, MULTIPART_REQUIRED)
    try:
        files, form = request.FILES, request.POST
    except (MultiPartParserError, TooManyFilesSent) as exc:
        raise HttpError(400, MULTIPART_BROKEN.format(error=exc)) from None
    image, created = services.image_upload(
        file=files.get("file"),
        alt=form.get("alt", ""),
        title=form.get("title", ""),
        focal_x=_number(request, "focal_x"),
        focal_y=_number(request, "focal_y"),
        user=request.user,
    )
    return Status(201 if created else 200, image)


@router.get("/{image_id}", response={200: ImageDetail, codes_4xx: Problem}, auth=MANAGE)
def image_get(request: HttpRequest, image_id: int):
    """One image with its renditions and the pages that use it."""
    permission_require(request, "images.view_image")
    return selectors.image_get(image_id=image_id)


@router.delete("/{image_id}", response={204: None, 409: Problem, codes_4xx: Problem}, auth=MANAGE)
def image_delete(request: HttpRequest, image_id: int, query: Query[DeleteQuery]):
    """Delete the image and its files. An image used on pages is a 409 listing them,
    unless `force=true` (those pages then show no image)."""
    permission_require(request, "images.delete_image")
    image = selectors.image_get(image_id=image_id)
    used = list(selectors.image_usage(image_id=image.pk))
    if used and not query.force:
        pages = ", ".join(f"/{use.page.slug}" for use in used)
        raise HttpError(409, IMAGE_IN_USE.format(count=len(used), pages=pages))
    services.image_delete(image=image, user=request.user)
    return Status(204, None)
