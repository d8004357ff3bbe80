"""Making renditions with Pillow: pure functions from an original's bytes to encoded files.

One decode per original: a JPEG is decoded at the smallest DCT scale that is still at
least as large as the widest rendition (Pillow's `draft`, 2-8x less work for a 12-MP
photo), the EXIF orientation is applied, then each width is resized from the previous
(larger) one, widest first. Nothing of the original's metadata is written out (no EXIF:
GPS position, camera serial) except the colour profile, which changes how it looks.
"""

import io
from dataclasses import dataclass

import PIL.Image
import PIL.ImageOps
from django.conf import settings

# What a visitor's browser gets besides WebP: the original's format where browsers all
# read it, else JPEG (or PNG when the image has transparency).
_FALLBACK = {"JPEG": "jpeg", "PNG": "png", "GIF": "png"}
_EXTENSIONS = {"webp": "webp", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class Made:
    width: int
    height: int
    format: str  # "webp", "jpeg" or "png"
    data: bytes

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


def rendition_widths(width: int) -> list[int]:
    """The configured widths narrower than the original, and the original's own width
    when it is narrower than the widest configured one."""
    widths = [w for w in settings.IMAGES_RENDITION_WIDTHS if w < width]
    if width <= max(settings.IMAGES_RENDITION_WIDTHS):
        widths.append(width)
    return sorted(set(widths))


def fallback_format(original_format: str, has_alpha: bool) -> str:
    return _FALLBACK.get(original_format) or ("png" if has_alpha else "jpeg")


def renditions_make(source, *, original_format: str) -> list[Made]:
    """Every rendition of the image in `source` (a binary file), widest first."""
    with PIL.Image.open(source) as opened:
        opened.seek(0)  # an animated GIF or WebP: its first frame
        widths = rendition_widths(_displayed_width(opened))
        if opened.format == "JPEG":
            # The scaled decode must stay at least as large as the widest rendition.
            scale = max(widths) / _displayed_width(opened)
            opened.draft("RGB", (int(opened.width * scale) + 1, int(opened.height * scale) + 1))
        image = PIL.ImageOps.exif_transpose(opened)
        icc = opened.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    fallback = fallback_format(original_format, has_alpha)
    made: list[Made] = []
    current = image
    for width in sorted(widths, reverse=True):
        height = max(1, round(image.height * width / image.width))
        if (width, height) != current.size:
            current = current.resize((width, height), PIL.Image.Resampling.LANCZOS, reducing_gap=3.0)
        for fmt in dict.fromkeys(("webp", fallback)):
            made.append(Made(width=width, height=height, format=fmt, data=_encode(current, fmt, icc)))
    return made


def _displayed_width(image: PIL.Image.Image) -> int:
    orientation = image.getexif().get(0x0112)
    return image.height if orientation in (5, 6, 7, 8) else image.width


def _encode(image: PIL.Image.Image, fmt: str, icc: bytes | None) -> bytes:

    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "webp":
        image.save(out, "WEBP", quality=settings.IMAGES_WEBP_QUALITY, method=settings.IMAGES_WEBP_METHOD, **extra)
    elif fmt == "jpeg":
        image.save(out, "JPEG", quality=settings.IMAGES_JPEG_QUALITY, optimize=True, progressive=True, **extra)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6, **extra)
    return out.getvalue()
