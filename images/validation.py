"""What an upload must be, judged by its content (never its name or declared type).

Pillow opens the file (which reads only the header), the format and the pixel count are
checked before anything is decoded, then the whole image is decoded once (at a reduced
scale for JPEG, which still reads every byte) so that a truncated or corrupt file is
refused at upload rather than failing later in the rendition task.
"""

import hashlib
import re
import warnings
from dataclasses import dataclass

import PIL.Image
from django.conf import settings
from django.core.exceptions import ValidationError

from config.json_input import text_problem

FILE_REQUIRED = "Choose an image file to upload."
FILE_TOO_LARGE = "The file is {size:,} bytes; the limit is {limit:,} bytes ({limit_mb:g} MB)."
FILE_EMPTY = "The file is empty."
SVG_REFUSED = "SVG files are not accepted (they can carry scripts): export the picture as PNG or WebP."
NOT_AN_IMAGE = "The file is not an image that can be read: upload a JPEG, PNG, WebP, GIF or AVIF file."
FORMAT_REFUSED = "{format} images are not accepted: upload a JPEG, PNG, WebP, GIF or AVIF file."
TOO_MANY_PIXELS = "The image is {width:,} × {height:,} pixels; the limit is {limit_mp:g} megapixels."
TOO_MANY_PIXELS_BOMB = "The image has {pixels} pixels; the limit is {limit_mp:g} megapixels."
IMAGE_BROKEN = "The image is damaged or incomplete and cannot be decoded ({error})."
ALT_REQUIRED = "Describe the image in the alternative text: it is what screen readers say instead of the picture."
ALT_TOO_LONG = "At most 500 characters."
TITLE_TOO_LONG = "At most 200 characters."
FOCAL_OUT_OF_RANGE = "A number from 0 to 1 (0 is the left or top edge, 1 the right or bottom)."

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "AVIF"})
# EXIF orientations that turn the picture a quarter: width and height swap on display.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112


class ImageInvalid(ValidationError):
    """A refused upload or edit; `.errors` = [{"loc": [field], "msg": ...}], `.status` is
    413 for a file over the size limit, else 422. Nothing has been stored."""

    def __init__(self, errors: list[dict], *, status: int = 422):
        self.errors = errors
        self.status = status
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(str(error["loc"][0]), []).append(error["msg"])
        super().__init__(by_field)


@dataclass(frozen=True)
class Inspected:
    format: str
    width: int  # as displayed (EXIF orientation applied)
    height: int
    size: int
    content_hash: str


def _refuse(msg: str, *, status: int = 422):
    raise ImageInvalid([{"loc": ["file"], "msg": msg}], status=status)


def image_inspect(file) -> Inspected:
    """Check an uploaded file (any file-like with .size or seekable) and describe it;
    raises ImageInvalid."""
    if file is None:
        _refuse(FILE_REQUIRED)
    size = _size(file)
    limit = settings.IMAGES_MAX_UPLOAD_BYTES
    if size > limit:
        _refuse(FILE_TOO_LARGE.format(size=size, limit=limit, limit_mb=limit / 1024 / 1024), status=413)
    if size == 0:
        _refuse(FILE_EMPTY)
    file.seek(0)
    head = file.read(1024).lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        _refuse(SVG_REFUSED)
    file.seek(0)
    max_pixels = settings.IMAGES_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit and raises above twice that; ours is checked below.
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            image = PIL.Image.open(file)
    except PIL.Image.DecompressionBombError as exc:  # far over Pillow's own limit: only the count is known
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(pixels.group(1)):,}" if pixels else "too many"
        _refuse(TOO_MANY_PIXELS_BOMB.format(pixels=count, limit_mp=max_pixels / 1e6))
    except (PIL.UnidentifiedImageError, OSError, ValueError, SyntaxError):
        _refuse(NOT_AN_IMAGE)
    with image:
        if image.format not in ALLOWED_FORMATS:
            _refuse(FORMAT_REFUSED.format(format=image.format or "This kind of"))
        width, height = image.size
        if width * height > max_pixels:
            _refuse(TOO_MANY_PIXELS.format(width=width, height=height, limit_mp=max_pixels / 1e6))
        try:
            if image.format == "JPEG":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
        except (OSError, ValueError, SyntaxError, EOFError, PIL.Image.DecompressionBombError) as exc:
            _refuse(IMAGE_BROKEN.format(error=str(exc) or type(exc).__name__))
        orientation = image.getexif().get(_EXIF_ORIENTATION)
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return Inspected(format=image.format, width=width, height=height, size=size, content_hash=_sha256(file))


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    return size


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def image_fields_check(*, title: str | None = None, alt: str | None = None, focal=None) -> dict:
    """The editable fields, trimmed; raises ImageInvalid with one entry per bad field.
    Fields given as None are not checked (a partial update)."""
    errors: list[dict] = []
    clean: dict = {}
    if title is not None:
        title = " ".join(str(title).split())
        if problem := text_problem(title):
            errors.append({"loc": ["title"], "msg": problem})
        elif len(title) > 200:
            errors.append({"loc": ["title"], "msg": TITLE_TOO_LONG})
        clean["title"] = title
    if alt is not None:
        alt = " ".join(str(alt).split())
        if problem := text_problem(alt):
            errors.append({"loc": ["alt"], "msg": problem})
        elif not alt:
            errors.append({"loc": ["alt"], "msg": ALT_REQUIRED})
        elif len(alt) > 500:
            errors.append({"loc": ["alt"], "msg": ALT_TOO_LONG})
        clean["alt"] = alt
    if focal is not None:
        for name, value in zip(("focal_x", "focal_y"), focal, strict=True):
            if value is not None and not (isinstance(value, (int, float)) and 0 <= value <= 1):
                errors.append({"loc": [name], "msg": FOCAL_OUT_OF_RANGE})
            clean[name] = None if value is None else float(value)
    if errors:
        raise ImageInvalid(errors)
    return clean
