"""Raster art for the demo sites, drawn with Pillow (no file shipped, nothing downloaded).

Each picture is deterministic (a seeded generator), so running the demo again produces
the same bytes and the media library recognises them (same content hash): idempotent.
Photographic grain is added on purpose: flat vector-like art would compress to a few
kilobytes and say nothing about what renditions save on real photos.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

# name -> (width, height, top colour, bottom colour, motif, title, alt text)
ART = {
    "acme-hero": (
        2400,
        1600,
        (30, 58, 138),
        (14, 165, 233),
        "arm",
        "Cobot at work",
        "A white robot arm with orange joints lifting a part above a workbench",
    ),
    "acme-pick": (
        1600,
        1067,
        (15, 23, 42),
        (59, 130, 246),
        "arm",
        "Pick and place",
        "A robot gripper picking a small part from a tray",
    ),
    "acme-tend": (
        1600,
        1067,
        (30, 41, 59),
        (245, 158, 11),
        "machine",
        "Machine tending",
        "A robot arm loading a CNC machine at night",
    ),
    "acme-pallet": (
        1600,
        1067,
        (20, 83, 45),
        (132, 204, 22),
        "boxes",
        "Palletising",
        "Cardboard boxes stacked on a pallet by a robot arm",
    ),
    "acme-check": (
        1600,
        1067,
        (76, 29, 149),
        (236, 72, 153),
        "lens",
        "Quality checks",
        "A camera inspecting metal parts on a conveyor",
    ),
    "globex-hero": (
        2400,
        1600,
        (120, 53, 15),
        (251, 191, 36),
        "cup",
        "Morning pour-over",
        "A cup of coffee on a wooden table in warm morning light",
    ),
    "globex-guji": (
        1600,
        1067,
        (131, 24, 67),
        (251, 146, 60),
        "beans",
        "Ethiopia Guji",
        "Light roasted coffee beans in a paper bag",
    ),
    "globex-huila": (
        1600,
        1067,
        (127, 29, 29),
        (234, 88, 12),
        "beans",
        "Colombia Huila",
        "Medium roasted coffee beans in a scoop",
    ),
    "globex-cerrado": (
        1600,
        1067,
        (41, 37, 36),
        (161, 98, 7),
        "beans",
        "Brazil Cerrado",
        "Dark espresso roast beans spilling from a jar",
    ),
    "field-notes": (
        2000,
        1125,
        (15, 118, 110),
        (203, 213, 225),
        "lines",
        "Notebook on the workshop bench",
        "An open notebook with sketches next to a coffee cup",
    ),
}


def art_names(prefix: str) -> list[str]:
    return [name for name in ART if name.startswith(prefix)]


def art_jpeg(name: str) -> bytes:
    """The picture `name` as a JPEG (quality 90, as a camera or an export would give)."""
    width, height, top, bottom, motif, _, _ = ART[name]
    rng = random.Random(name)  # noqa: S311 (art, not secrets: the same name gives the same picture)
    image = _gradient(width, height, top, bottom)
    draw = ImageDraw.Draw(image)
    _MOTIFS[motif](draw, width, height, rng)
    image = image.filter(ImageFilter.GaussianBlur(radius=width / 900))
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    image = Image.blend(image, grain, 0.07)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _gradient(width: int, height: int, top, bottom) -> Image.Image:
    column = Image.new("RGB", (1, 256))
    column.putdata([tuple(round(t + (b - t) * i / 255) for t, b in zip(top, bottom, strict=True)) for i in range(256)])
    return column.resize((width, height), Image.Resampling.BICUBIC)


def _arm(draw, w, h, rng):
    base = (w * 0.3, h * 0.78)
    elbow = (w * 0.42, h * 0.42)
    wrist = (w * 0.66, h * 0.32)
    draw.rounded_rectangle((w * 0.18, h * 0.8, w * 0.48, h * 0.88), radius=h * 0.02, fill=(15, 23, 42))
    for start, end, width in ((base, elbow, 0.07), (elbow, wrist, 0.055)):
        draw.line((start, end), fill=(241, 245, 249), width=int(h * width))
    for joint, r in ((base, 0.055), (elbow, 0.05), (wrist, 0.04)):
        draw.ellipse((joint[0] - h * r, joint[1] - h * r, joint[0] + h * r, joint[1] + h * r), fill=(245, 158, 11))
    draw.rounded_rectangle((w * 0.68, h * 0.58, w * 0.86, h * 0.78), radius=h * 0.02, fill=(248, 250, 252))


def _machine(draw, w, h, rng):
    draw.rounded_rectangle((w * 0.5, h * 0.25, w * 0.9, h * 0.85), radius=h * 0.03, fill=(203, 213, 225))
    draw.rectangle((w * 0.56, h * 0.35, w * 0.84, h * 0.6), fill=(30, 41, 59))
    _arm(draw, w * 0.9, h, rng)


def _boxes(draw, w, h, rng):
    for row in range(4):
        for col in range(5):
            x, y = w * (0.15 + col * 0.14), h * (0.72 - row * 0.15)
            shade = rng.randrange(150, 200)
            draw.rectangle((x, y, x + w * 0.13, y + h * 0.14), fill=(shade, shade - 40, 90), outline=(90, 60, 30))


def _lens(draw, w, h, rng):
    draw.rectangle((0, h * 0.7, w, h * 0.82), fill=(51, 65, 85))
    for i in range(7):
        x = w * (0.08 + i * 0.13)
        draw.ellipse((x, h * 0.6, x + w * 0.08, h * 0.7), fill=(226, 232, 240))
    draw.ellipse(
        (w * 0.4, h * 0.12, w * 0.6, h * 0.42), fill=(15, 23, 42), outline=(248, 250, 252), width=int(h * 0.02)
    )


def _cup(draw, w, h, rng):
    draw.rectangle((0, h * 0.7, w, h), fill=(120, 72, 40))
    draw.ellipse((w * 0.3, h * 0.62, w * 0.7, h * 0.78), fill=(245, 245, 244))
    draw.rounded_rectangle((w * 0.38, h * 0.3, w * 0.62, h * 0.7), radius=h * 0.05, fill=(250, 250, 249))
    draw.ellipse((w * 0.39, h * 0.27, w * 0.61, h * 0.35), fill=(68, 34, 14))
    draw.arc((w * 0.57, h * 0.38, w * 0.7, h * 0.56), 270, 90, fill=(250, 250, 249), width=int(h * 0.025))


def _beans(draw, w, h, rng):
    for _ in range(160):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.2, h)
        size = rng.uniform(0.035, 0.06) * h
        shade = rng.randrange(50, 120)
        draw.ellipse((x, y, x + size * 1.4, y + size), fill=(shade + 40, shade, shade // 2))
        draw.line((x + size * 0.2, y + size * 0.5, x + size * 1.2, y + size * 0.5), fill=(30, 15, 5), width=3)


def _lines(draw, w, h, rng):
    draw.rounded_rectangle((w * 0.15, h * 0.15, w * 0.7, h * 0.88), radius=h * 0.02, fill=(250, 250, 245))
    for i in range(12):
        y = h * (0.22 + i * 0.052)
        draw.line((w * 0.2, y, w * rng.uniform(0.45, 0.66), y), fill=(100, 116, 139), width=int(h * 0.008))
    draw.ellipse((w * 0.74, h * 0.55, w * 0.9, h * 0.8), fill=(120, 53, 15))


_MOTIFS = {
    "arm": _arm,
    "machine": _machine,
    "boxes": _boxes,
    "lens": _lens,
    "cup": _cup,
    "beans": _beans,
    "lines": _lines,
}
