"""Celery tasks of the media library; the tenant's schema travels with the task
(tenant-schemas-celery), so the files are read and written in the uploader's folder."""

from celery import shared_task

from images import services


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def image_renditions_task(image_id: int) -> int:
    """Make the renditions of one image; returns how many (0 if it was deleted)."""
    image = services.image_renditions_make(image_id=image_id)
    return image.renditions.count() if image is not None else 0
