"""Fixtures of the images tests: uploads through the service, and an empty media folder
per run (image files are made in utils.py)."""

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from images.tests.utils import photo, upload


@pytest.fixture
def image_factory():
    """Upload through the service inside a tenant, renditions made in process."""
    from images import services

    def make(tenant, *, renditions: bool = True, alt: str = "A test photo", title: str = "", seed: int = 1, **kw):
        data = kw.pop("data", None) or photo(seed=seed, **kw)
        with tenant_context(tenant):
            image, _ = services.image_upload(file=upload(data), alt=alt, title=title)
            if renditions:
                image = services.image_renditions_make(image_id=image.pk)
        return image

    return make


@pytest.fixture(scope="session", autouse=True)
def _media_root_emptied():
    """Files of earlier runs go (the database is new each run; the test media folder
    would otherwise keep every upload of every run)."""
    import shutil

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
