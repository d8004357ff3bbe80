"""pgvector's `vector` type, created once in the public schema: every tenant schema's
search_path ends in public, so each tenant's search tables can use it."""

from django.db import migrations
from pgvector.django import VectorExtension


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [VectorExtension()]
