from django.core.management.base import BaseCommand

from tenants import services


class Command(BaseCommand):
    help = "Make sure the template schema exists and the pool of spare schemas is full."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=None)
        parser.add_argument("--drain", action="store_true", help="drop existing spares first")

    def handle(self, *args, size, drain, **options):
        if drain:
            self.stdout.write(f"Dropped {services.tenant_pool_drain()} spare schema(s)")
        made = services.tenant_pool_fill(size=size)
        self.stdout.write(f"Spare schema pool full ({made} new)")
