"""Where image files live: one folder (or key prefix) per tenant, chosen at each call.

Names stored in the database are relative to the tenant (`images/r/ab/...webp`); the
storage puts them under the schema that is active when the file is read or written
(`<MEDIA_ROOT>/<schema>/images/r/ab/...webp`, or the key `<schema>/images/...` in a
bucket). A name of tenant A therefore opens A's file only while A is active: the
visitor's host picks the schema, so no URL on B's host can reach A's files.
"""

import functools
import os
import shutil

from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django_tenants.utils import get_public_schema_name

NO_TENANT = "image files belong to a tenant: activate one (schema_context) before touching them"


def tenant_folder() -> str:
    """The active tenant's folder name; the public schema has no image files."""
    schema = connection.schema_name
    if not schema or schema == get_public_schema_name():
        raise RuntimeError(NO_TENANT)
    return schema


class TenantFileSystemStorage(FileSystemStorage):
    """FileSystemStorage rooted at `<location>/<active schema>`."""

    @property
    def location(self) -> str:  # FileSystemStorage caches it; here it follows the tenant
        return os.path.join(os.path.abspath(self.base_location), tenant_folder())

    def tenant_files_delete(self, schema_name: str) -> None:
        shutil.rmtree(os.path.join(os.path.abspath(self.base_location), schema_name), ignore_errors=True)


@functools.cache
def _s3_storage_class():
    from storages.backends.s3 import S3Storage  # only needed (and importable) with boto3

    class TenantS3Storage(S3Storage):
        """S3Storage whose keys start with the active schema (after the configured location)."""

        def _normalize_name(self, name):
            return super()._normalize_name(f"{tenant_folder()}/{name}")

        def tenant_files_delete(self, schema_name: str) -> None:
            prefix = "/".join(part for part in (self.location, schema_name) if part) + "/"
            self.bucket.objects.filter(Prefix=prefix).delete()

    return TenantS3Storage


def __getattr__(name):
    # Settings name "images.storage.TenantS3Storage"; it is built on first use so that a
    # disk-only deployment never imports boto3.
    if name == "TenantS3Storage":
        return _s3_storage_class()
    raise AttributeError(name)


def images_storage():
    """The configured storage (settings.STORAGES["images"]); a callable for FileField."""
    return storages["images"]
