"""Image files for the tests (of images/ and other apps), made here with Pillow (nothing downloaded): photos with
noise (they compress like photos), EXIF with a GPS position and an orientation, a PNG
decompression bomb written by hand, a truncated JPEG, an SVG with a script."""

import io
import random
import struct
import zlib
from pathlib import Path

import PIL.Image
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

EXIF_GPS_IFD = 0x8825
EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F


def photo(width: int = 1600, height: int = 1000, *, fmt: str = "JPEG", seed: int = 1, exif=None, **save) -> bytes:
    """A photo-like image: a colour gradient with noise (deterministic per seed)."""
    rng = random.Random(seed)
    small = PIL.Image.new("RGB", (8, 8))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(64)])
    image = small.resize((width, height), PIL.Image.Resampling.BICUBIC)
    noise = PIL.Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    image = PIL.Image.blend(image, noise, 0.12)
    if fmt == "PNG" and save.pop("alpha", False):
        image.putalpha(200)
    out = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(out, fmt, **save)
    return out.getvalue()


def exif_with_gps(orientation: int | None = None) -> PIL.Image.Exif:
    exif = PIL.Image.Exif()
    exif[EXIF_MAKE] = "TestCam"
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    gps = exif.get_ifd(EXIF_GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 30.0)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 10.0)
    return exif


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real 1-bit PNG of width x height, all zeros: ~50 KB that decode to 400 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG_WITH_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script>
<rect width="10" height="10"/></svg>"""


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(tenant) -> set[Path]:
    """Every file under the tenant's media folder."""
    root = Path(settings.MEDIA_ROOT) / tenant.schema_name
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()
