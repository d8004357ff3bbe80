"""Settings of the images app: where files live, what an upload may be, which renditions.

Files go to `<MEDIA_ROOT>/<tenant schema>/images/...` on disk by default, or to an
S3-compatible bucket (keys `<schema>/images/...`) when MEDIA_STORAGE_URL is set. Either
way visitors reach them only through `/media/...` on a tenant's own host, which resolves
the path inside that tenant's folder (images.middleware).
"""

from urllib.parse import parse_qsl, urlsplit

from config.settings.base import DATA_DIR, INSTALLED_APPS, MIDDLEWARE, STORAGES, TENANT_APPS
from config.settings.env import env_int, env_str

TENANT_APPS.append("images")
INSTALLED_APPS.append("images")

MEDIA_ROOT = env_str("MEDIA_ROOT", str(DATA_DIR / "media"))
MEDIA_URL = "/media/"

# Renditions are answered before sessions, CSRF and auth, right after the visitors' pages.
MIDDLEWARE.insert(MIDDLEWARE.index("content.middleware.CachedPageMiddleware") + 1, "images.middleware.MediaMiddleware")


def _storage(url: str) -> dict:
    """`s3://bucket?endpoint_url=http://host:9000&region_name=eu-west-1` -> an S3 storage
    (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as boto3 reads them);
    empty -> the disk under MEDIA_ROOT."""
    if not url:
        return {"BACKEND": "images.storage.TenantFileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"MEDIA_STORAGE_URL={url!r}: expected s3://<bucket>?endpoint_url=...")
    options = {"bucket_name": parts.netloc, "location": parts.path.strip("/"), "default_acl": "private"}
    options.update(dict(parse_qsl(parts.query)))
    return {"BACKEND": "images.storage.TenantS3Storage", "OPTIONS": options}


MEDIA_STORAGE_URL = env_str("MEDIA_STORAGE_URL", "")
STORAGES["images"] = _storage(MEDIA_STORAGE_URL)

# Refused uploads (413 / 422): larger files, and images with more pixels (decompression
# bombs: a 20,000 x 20,000 PNG can be a few kilobytes and decode to 1.6 GB).
IMAGES_MAX_UPLOAD_BYTES = env_int("IMAGES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
IMAGES_MAX_PIXELS = env_int("IMAGES_MAX_PIXELS", 50_000_000)
# Rendition widths (px), each in WebP and in the original's format (JPEG/PNG); widths
# above the original's are skipped, and a narrower original gets one at its own width.
IMAGES_RENDITION_WIDTHS = sorted(int(w) for w in env_str("IMAGES_RENDITION_WIDTHS", "320,640,960,1280,1920").split(","))
IMAGES_WEBP_QUALITY = env_int("IMAGES_WEBP_QUALITY", 80)
# libwebp's effort, 0-6: 4 (Pillow's default) is ~3x slower than 2 for ~2% smaller files
# (bench/media.py); renditions are made once and fetched many times.
IMAGES_WEBP_METHOD = env_int("IMAGES_WEBP_METHOD", 4)
IMAGES_JPEG_QUALITY = env_int("IMAGES_JPEG_QUALITY", 82)
