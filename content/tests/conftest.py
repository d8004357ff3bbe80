"""Fixtures of the content tests: the seed page and a way to act inside a tenant."""

import json
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

SEED = Path(__file__).resolve().parents[3] / "shared" / "bench" / "page20.json"


@pytest.fixture
def seed_page():
    """The 20-block page shared by every app's benchmarks (its shape is the stored shape)."""
    return json.loads(SEED.read_text())


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a):
        yield tenant_a


def editor(tenant, email):
    from django.contrib.auth import get_user_model

    with tenant_context(tenant):
        return get_user_model().objects.get(username=email)
