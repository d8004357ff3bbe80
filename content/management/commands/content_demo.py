from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from content import services
from content.demo import DEMO_SITES, bench_page
from content.demo_art import ART, art_jpeg
from content.models import Page
from images import services as image_services
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Give the demo tenants (acme, globex) their published pages and a `bench` page; idempotent."

    def handle(self, *args, **options):
        seed = bench_page()
        for schema_name, (pages, nav) in DEMO_SITES.items():
            tenant = Tenant.objects.filter(schema_name=schema_name).first()
            if tenant is None:
                self.stdout.write(f"No tenant {schema_name} (run tenant_demo first)")
                continue
            with tenant_context(tenant):
                specs = [spec for spec in pages if not Page.objects.filter(slug=spec["slug"]).exists()]
                images = self._images_ensure(schema_name, _art_names(specs))
                specs = [{**_images_placed(spec, images), "nav": nav} for spec in specs]
                specs.append({key: seed[key] for key in ("slug", "title", "blocks", "nav")})
                created = sum(self._page_ensure(spec) for spec in specs)
            there = len(pages) + 1 - created
            self.stdout.write(f"{schema_name}: {created} demo page(s) created, {there} already there")

    def _page_ensure(self, spec: dict) -> bool:
        """Create and publish the page unless its slug exists (editors' changes are kept)."""
        if Page.objects.filter(slug=spec["slug"]).exists():
            return False
        page = services.page_create(user=None, **spec)
        services.page_publish(page=page, user=None)
        return True

    def _images_ensure(self, schema_name: str, names: list[str]) -> dict[str, int]:
        """Upload the demo art the new pages show, with their renditions made here (the
        worker may not run yet); the same art uploaded again is the image already there."""
        ids = {}
        for index, name in enumerate(names, 1):
            _, _, _, _, _, title, alt = ART[name]
            self.stdout.write(f"{schema_name}: image {index}/{len(names)} {name}", ending="\r")
            image, _ = image_services.image_upload(
                file=ContentFile(art_jpeg(name), name=f"{name}.jpg"), alt=alt, title=title
            )
            image_services.image_renditions_make(image_id=image.pk)
            ids[name] = image.pk
        if names:
            self.stdout.write(f"{schema_name}: {len(names)} demo image(s) in the library")
        return ids


def _walk(value, visit):
    if isinstance(value, dict):
        return {key: visit(key, item) if key == "image_id" else _walk(item, visit) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, visit) for item in value]
    return value


def _art_names(specs) -> list[str]:
    names: list[str] = []
    _walk([spec.get("blocks", []) for spec in specs], lambda key, ref: names.append(ref[1:]) or ref)
    return list(dict.fromkeys(names))


def _images_placed(spec: dict, images: dict[str, int]) -> dict:
    """`"image_id": "@name"` -> the id of that library image."""
    return {**spec, "blocks": _walk(spec.get("blocks", []), lambda key, ref: images[ref[1:]])}
