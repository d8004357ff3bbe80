"""The S3-compatible storage (MEDIA_STORAGE_URL=s3://...), against moto's standalone S3
server: a real HTTP endpoint on loopback that boto3 talks to as it would to a bucket.
Keys are prefixed with the tenant's schema, and visitors still reach renditions only
through the tenant's own host."""

import io

import boto3
import PIL.Image
import pytest
from django_tenants.utils import tenant_context

from config.settings.images import _storage
from images import services
from images.tests.utils import photo, upload

BUCKET = "tenant-media"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    from config.testing import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    storage = _storage(f"s3://{BUCKET}/site-media?endpoint_url={s3_endpoint}")
    storage["OPTIONS"].update(CREDENTIALS)
    settings.STORAGES = {**settings.STORAGES, "images": storage}
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


def test_the_storage_url_is_parsed_into_django_storages_options():
    config = _storage("s3://bucket/prefix?endpoint_url=http://minio:9000&region_name=eu-west-1")
    assert config == {
        "BACKEND": "images.storage.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": "bucket",
            "location": "prefix",
            "default_acl": "private",
            "endpoint_url": "http://minio:9000",
            "region_name": "eu-west-1",
        },
    }
    with pytest.raises(ValueError, match="expected s3://"):
        _storage("ftp://bucket")


def test_upload_renditions_and_serving_through_a_bucket(
    s3_storage, tenant_a, client_a, client_b, django_capture_on_commit_callbacks
):
    with tenant_context(tenant_a):
        image, _ = services.image_upload(file=upload(photo(1000, 700, seed=5)), alt="In a bucket")
        services.image_renditions_make(image_id=image.pk)
        rendition = image.renditions.get(format="webp", width=640)
    keys = [item["Key"] for item in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert f"site-media/alpha/{image.file.name}" in keys
    assert f"site-media/alpha/{rendition.file.name}" in keys
    assert all(key.startswith("site-media/alpha/images/") for key in keys)

    response = client_a.get(rendition.url)
    assert response.status_code == 200 and response["Cache-Control"].endswith("immutable")
    served = PIL.Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert (served.format, served.width) == ("WEBP", 640)
    assert client_b.get(rendition.url).status_code == 404  # beta's host looks under beta/

    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.image_delete(image=image)
    assert client_a.get(rendition.url).status_code == 404
    assert "Contents" not in s3_storage.list_objects_v2(Bucket=BUCKET)
