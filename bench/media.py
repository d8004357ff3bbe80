"""Benchmark of the media library (issue 14). Run: `.venv/bin/python bench/media.py [--quick]`.

Uses its own embedded PostgreSQL + Redis under `.data/bench` (or DATABASE_URL/REDIS_URL)
and the demo tenant `acme` there (provisioned, demo pages with library images).

1. Upload + every rendition of a 12-megapixel JPEG (4000 x 3000, photo-like, quality 92),
   in process: `image_upload` (content checks, hash, store) then `image_renditions_make`
   (what the Celery task runs): median of 10 uploads of different photos.
2. A rendition (960 px WebP) against the cached home page, `wrk -t2 -c8`, same server, runs
   interleaved, on gunicorn (2 sync workers) and granian (2 WSGI workers): req/s, ratio.
3. Page weight of the demo home page in Chromium (Playwright) at 390 px wide, DPR 3
   (an iPhone 13-like phone) and DPR 1: the same blocks with (a) the SVG art main shipped,
   (b) the full-size originals by URL (what an editor could do before: visitors get the
   original on every screen), (c) library images (srcset, WebP). Bytes fetched, all and
   images only; the originals are served by a plain local file server.

Prints medians and the load average (the machine is shared).
"""

import argparse
import os
import statistics
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import Server, free_port, load_average, results_write, services_stop, wrk, wrk_ensure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", str(ROOT / ".data" / "bench"))
os.environ.setdefault("HTTPS", "0")

HOST = "acme.localhost"
PORTS = range(8120, 8150)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def setup():
    import django

    django.setup()
    from django.core.management import call_command

    from tenants import services as tenant_services
    from tenants.models import Tenant

    call_command("migrate_schemas", interactive=False, verbosity=0)
    for name, display in (("acme", "Acme Robotics"), ("globex", "Globex Coffee")):
        if not Tenant.objects.filter(schema_name=name).exists():
            tenant_services.tenant_provision(name=name, display_name=display, domains=[f"{name}.localhost"])
    call_command("content_demo")
    return Tenant.objects.get(schema_name="acme")


def upload_timing(tenant, runs: int) -> dict:
    """Upload + renditions of `runs` different 12-MP photos (deleted after)."""
    from django.core.files.base import ContentFile
    from django_tenants.utils import tenant_context

    from images import services
    from images.tests.utils import photo

    uploads, renditions, totals, sizes = [], [], [], []
    with tenant_context(tenant):
        for run in range(runs):
            data = photo(4000, 3000, seed=1000 + run, quality=92)
            started = time.perf_counter()
            image, created = services.image_upload(file=ContentFile(data, name=f"photo-{run}.jpg"), alt="Benchmark")
            uploaded = time.perf_counter()
            assert created, "the benchmark photos must be new to the library"
            image = services.image_renditions_make(image_id=image.pk)
            done = time.perf_counter()
            uploads.append((uploaded - started) * 1000)
            renditions.append((done - uploaded) * 1000)
            totals.append((done - started) * 1000)
            sizes.append((len(data), image.renditions.count(), sum(r.size for r in image.renditions.all())))
            services.image_delete(image=image)
            print(f"  run {run + 1}/{runs}: {totals[-1]:,.0f} ms", flush=True)
    return {
        "original_bytes": statistics.median(s[0] for s in sizes),
        "renditions": sizes[0][1],
        "renditions_bytes": statistics.median(s[2] for s in sizes),
        "upload_p50_ms": statistics.median(uploads),
        "renditions_p50_ms": statistics.median(renditions),
        "total_p50_ms": statistics.median(totals),
        "total_runs_ms": [round(t) for t in totals],
    }


def rendition_url(tenant) -> str:
    from django_tenants.utils import tenant_context

    from images.models import Image

    with tenant_context(tenant):
        image = Image.objects.get(title="Cobot at work")
        return image.renditions.get(format="webp", width=960).url


def _server(kind: str) -> Server:
    from django.conf import settings

    env = {"DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL, "DATA_DIR": str(settings.DATA_DIR)}
    return Server(kind, env=env, ports=PORTS)


def throughput(kind: str, url: str, repeats: int, seconds: int) -> dict:
    server = _server(kind)
    try:
        headers = {"Host": HOST}
        for path in ("/", url):
            wrk(server.url(path), headers=headers, seconds=2)
        page, rendition = [], []
        for _ in range(repeats):
            page.append(wrk(server.url("/"), headers=headers, seconds=seconds)["rps"])
            rendition.append(wrk(server.url(url), headers=headers, seconds=seconds)["rps"])
        return {
            "page_rps": statistics.median(page),
            "rendition_rps": statistics.median(rendition),
            "ratio": statistics.median(rendition) / statistics.median(page),
            "page_runs": page,
            "rendition_runs": rendition,
        }
    finally:
        server.stop()


def _variants(tenant, originals_base: str) -> dict[str, str]:
    """Three published copies of the demo home page: slug -> what its images are."""
    from django_tenants.utils import tenant_context

    from content import services
    from content.demo_art import ART
    from content.models import Page
    from images.models import Image

    with tenant_context(tenant):
        home = Page.objects.get(slug="")
        titles = {image.pk: image.title for image in Image.objects.all()}
        names = {spec[5]: name for name, spec in ART.items()}
        svg = {"Cobot at work": "/static/content/demo/acme-hero.svg"}

        def swap(value, url_for):
            if isinstance(value, dict):
                out = {k: swap(v, url_for) for k, v in value.items() if k != "image_id"}
                if "image_id" in value:
                    url = url_for(titles[value["image_id"]])
                    if url:
                        out["src" if value.get("type") == "image" else "image"] = url
                return out
            if isinstance(value, list):
                return [swap(v, url_for) for v in value]
            return value

        pages = {
            "bench-home-svg": swap(home.published_blocks, lambda title: svg.get(title, "")),
            "bench-home-originals": swap(home.published_blocks, lambda t: f"{originals_base}/{names[t]}.jpg"),
            "bench-home-library": home.published_blocks,
        }
        for slug, blocks in pages.items():
            Page.objects.filter(slug=slug).delete()
            page = services.page_create(user=None, slug=slug, title=home.title, blocks=blocks, nav=home.published_nav)
            services.page_publish(page=page, user=None)
    return {"bench-home-svg": "SVG art (main)", "bench-home-originals": "originals", "bench-home-library": "library"}


def page_weight(tenant, repeats: int) -> dict:
    """Bytes Chromium fetches for each variant of the home page (a fresh context each time)."""
    from playwright.sync_api import sync_playwright

    from content.demo_art import ART, art_jpeg

    folder = ROOT / ".data" / "bench" / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ART:
        path = folder / f"{name}.jpg"
        if not path.exists():
            path.write_bytes(art_jpeg(name))
    port = free_port(range(8180, 8199))
    files = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=files.serve_forever, daemon=True).start()
    variants = _variants(tenant, f"http://127.0.0.1:{port}")
    server = _server("gunicorn")
    results: dict = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for dpr in (3, 1):
                for slug, label in variants.items():
                    runs = [_weigh(browser, f"http://{HOST}:{server.port}/{slug}/", dpr) for _ in range(repeats)]
                    results[f"{label} @{dpr}x"] = {
                        "all_bytes": statistics.median(r["all"] for r in runs),
                        "image_bytes": statistics.median(r["images"] for r in runs),
                        "images": runs[0]["image_urls"],
                    }
            browser.close()
    finally:
        server.stop()
        files.shutdown()
    return results


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _weigh(browser, url: str, dpr: int) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=dpr, is_mobile=True)
    page = context.new_page()
    sizes: list[tuple[str, str, int]] = []

    def finished(request):
        size = request.sizes()
        sizes.append((request.resource_type, request.url, size["responseBodySize"] + size["responseHeadersSize"]))

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    # Scroll to the bottom so lazy images below the fold load too (a visitor reading the page).
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")
    context.close()
    images = [(u, s) for kind, u, s in sizes if kind == "image"]
    return {
        "all": sum(s for _, _, s in sizes),
        "images": sum(s for _, s in images),
        "image_urls": [u.rsplit("/", 1)[-1] for u, _ in images],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded servers running")
    args = parser.parse_args()
    repeats, seconds, uploads = (2, 4, 3) if args.quick else (5, 8, 10)

    wrk_ensure()
    tenant = setup()
    from django.db import connections

    try:
        print(f"== upload + renditions of a 12-MP JPEG, x{uploads} ({load_average()})", flush=True)
        upload = upload_timing(tenant, uploads)
        print(
            f"  upload p50 {upload['upload_p50_ms']:,.0f} ms + renditions p50 {upload['renditions_p50_ms']:,.0f} ms"
            f" = {upload['total_p50_ms']:,.0f} ms  ({upload['renditions']} renditions,"
            f" {upload['renditions_bytes'] / 1e6:.2f} MB from a {upload['original_bytes'] / 1e6:.2f} MB original)"
        )
        url = rendition_url(tenant)
        connections.close_all()

        results = {}
        for kind in ("gunicorn", "granian"):
            print(f"== {kind}, 2 workers, wrk -t2 -c8 -d{seconds}s x{repeats} ({load_average()})", flush=True)
            results[kind] = result = throughput(kind, url, repeats, seconds)
            print(f"  cached page {result['page_rps']:,.0f} req/s  runs {result['page_runs']}")
            print(f"  rendition   {result['rendition_rps']:,.0f} req/s  runs {result['rendition_runs']}")
            print(f"  ratio       {result['ratio']:.2f}  (target >= 0.8)")

        print(f"== page weight of the demo home page at 390 px, Chromium ({load_average()})", flush=True)
        weight = page_weight(tenant, 1 if args.quick else 3)
        for label, figures in weight.items():
            print(
                f"  {label:<22} {figures['all_bytes'] / 1024:8,.0f} KB fetched,"
                f" images {figures['image_bytes'] / 1024:8,.0f} KB  {figures['images']}"
            )
        print(f"== done ({load_average()})")
        if not args.quick:
            results_write("media", {"upload_12mp": upload, "throughput": results, "page_weight_390px": weight})
    finally:
        connections.close_all()
        services_stop(keep=args.keep_services)
    return 0


if __name__ == "__main__":
    sys.exit(main())
