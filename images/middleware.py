"""Renditions served on the tenant's own host, before sessions, CSRF and auth.

`/media/images/r/...` is resolved inside the folder of the host's tenant (the storage
prefixes the active schema), so the same path on another tenant's host looks in that
tenant's folder and finds nothing of the first: there is no URL of B that reads A's
files. Only renditions are public; originals (with their EXIF) stay private. Names carry
a content hash, so the answer may be cached for a year (`immutable`).
"""

import re

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseNotFound
from django_tenants.utils import get_public_schema_name

from images.storage import images_storage

_RENDITION = re.compile(r"^images/r/[0-9a-f]{2}/[0-9a-f]{16}-\d{1,5}w-([0-9a-f]{12})\.(webp|jpg|png)$")
_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
CACHE_FOREVER = "public, max-age=31536000, immutable"


def _not_found() -> HttpResponse:
    return HttpResponseNotFound(b"Not found", content_type="text/plain")


def _missing(exc: Exception) -> bool:
    """A missing file: FileNotFoundError on disk, a 404 / NoSuchKey ClientError from S3."""
    if isinstance(exc, FileNotFoundError):
        return True
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("404", "NoSuchKey")


class MediaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = settings.MEDIA_URL
        self.public = get_public_schema_name()

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(self.prefix) or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        match = _RENDITION.match(path[len(self.prefix) :])
        if request.tenant.schema_name == self.public or match is None:
            return _not_found()
        etag = f'"{match.group(1)}"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
        else:
            try:
                file = images_storage().open(match.group(0))
                response = FileResponse(file, content_type=_TYPES[match.group(2)])
            except Exception as exc:
                if _missing(exc):
                    return _not_found()
                raise
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_FOREVER
        return response
