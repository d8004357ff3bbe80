"""Two tenants holding identical text: a search in one never returns the other's
chunks, by any mode, through the service and the site page."""

import pytest
from django_tenants.utils import tenant_context

from search.selectors import Mode, search_pages
from search.tests.utils import heading, page_publish_indexed, paragraph

SHARED_TEXT = "Our espresso machines are descaled every week with citric acid."
BETA_ONLY = "Sourdough starters are fed twice a day with rye flour."


@pytest.fixture
def twin_pages(tenant_a, tenant_b, embedder):
    blocks = [heading("Maintenance"), paragraph(SHARED_TEXT)]
    page_a = page_publish_indexed(tenant_a, slug="alpha-care", title="Machine care", blocks=blocks, embedder=embedder)
    page_b = page_publish_indexed(tenant_b, slug="beta-care", title="Machine care", blocks=blocks, embedder=embedder)
    page_publish_indexed(tenant_b, slug="beta-bread", title="Bread", blocks=[paragraph(BETA_ONLY)], embedder=embedder)
    return page_a, page_b


@pytest.mark.parametrize("mode", list(Mode))
def test_service_search_stays_in_its_tenant(twin_pages, tenant_a, tenant_b, embedder, mode):
    with tenant_context(tenant_a):
        hits_a = search_pages(query="descaling espresso machines", mode=mode, embedder=embedder)
        leaked = search_pages(query="sourdough starter rye flour", mode=mode, embedder=embedder)
    with tenant_context(tenant_b):
        hits_b = search_pages(query="descaling espresso machines", mode=mode, embedder=embedder)
    assert [hit.slug for hit in hits_a] == ["alpha-care"]
    assert "beta-care" in [hit.slug for hit in hits_b] and "alpha-care" not in [hit.slug for hit in hits_b]
    assert all(hit.slug.startswith("alpha") for hit in leaked)


@pytest.mark.parametrize("mode", list(Mode))
def test_site_search_page_stays_in_its_tenant(twin_pages, client_a, client_b, mode):
    response_a = client_a.get("/search/", {"q": "espresso descaling", "mode": mode})
    response_b = client_b.get("/search/", {"q": "espresso descaling", "mode": mode})
    assert response_a.status_code == 200 and response_b.status_code == 200
    assert b'href="/alpha-care/"' in response_a.content and b"beta-" not in response_a.content
    assert b'href="/beta-care/"' in response_b.content and b"alpha-" not in response_b.content
    assert b"<mark>espresso</mark>" in response_a.content, response_a.content.decode()
