from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Media library"

    def ready(self) -> None:
        # A deleted tenant's schema is dropped by django-tenants; its files are ours to drop.
        from django.db.models.signals import post_delete

        from images.receivers import tenant_deleted
        from tenants.models import Tenant

        post_delete.connect(tenant_deleted, sender=Tenant, dispatch_uid="images-tenant-deleted")
