"""The background gate (search.background): a question closer to another subject than to
the site gets no list, on a site whose subject it is not; the same question on a site
whose subject it is gets that site's page. Two tenants, the real model."""

import numpy as np
import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context

from search.background import BACKGROUND_LINES, background_similarity, background_vectors
from search.selectors import Mode, search_pages
from search.tests.utils import heading, page_publish_indexed, paragraph

FLIGHTS_QUESTION = "cheap flights to Rome"


@pytest.fixture
def shop_and_agency(tenant_a, tenant_b, embedder):
    """tenant_a: a bike shop; tenant_b: a travel agency selling flights to Rome."""
    page_publish_indexed(
        tenant_a,
        slug="tyres",
        title="Tyres and punctures",
        blocks=[
            heading("Flat tyres"),
            paragraph("We fix a puncture while you wait and fit tubeless tyres on road and gravel bikes."),
        ],
        embedder=embedder,
    )
    page_publish_indexed(
        tenant_a,
        slug="shipping",
        title="Delivery",
        blocks=[paragraph("Bikes are delivered to your door within three days; delivery costs 4.95 euros.")],
        embedder=embedder,
    )
    page_publish_indexed(
        tenant_b,
        slug="rome",
        title="Flights to Rome",
        blocks=[
            heading("Rome from 39 euros"),
            paragraph("Cheap return flights to Rome Fiumicino every day, hand luggage included."),
        ],
        embedder=embedder,
    )


@pytest.mark.parametrize("mode", [Mode.HYBRID, Mode.SEMANTIC])
def test_question_about_another_subject_gets_no_list(shop_and_agency, tenant_a, tenant_b, embedder, mode):
    with tenant_context(tenant_a):
        at_the_shop = search_pages(query=FLIGHTS_QUESTION, mode=mode, embedder=embedder)
        own_subject = search_pages(query="my tyre went flat", mode=mode, embedder=embedder)
    with tenant_context(tenant_b):
        at_the_agency = search_pages(query=FLIGHTS_QUESTION, mode=mode, embedder=embedder)
    assert at_the_shop == []
    assert [hit.slug for hit in own_subject][:1] == ["tyres"]
    assert [hit.slug for hit in at_the_agency] == ["rome"]


def test_without_the_gate_the_shop_would_answer_with_its_nearest_page(shop_and_agency, tenant_a, embedder):
    """What the gate removes: with it off (a margin no similarity reaches) and no floor,
    the shop has a "best" page for the flights question."""
    with tenant_context(tenant_a), override_settings(SEARCH_BACKGROUND_MARGIN=9):
        hits = search_pages(query=FLIGHTS_QUESTION, mode=Mode.HYBRID, embedder=embedder, min_score=0)
    assert hits and hits[0].slug in {"shipping", "tyres"}


def test_keyword_mode_has_no_gate(shop_and_agency, tenant_a, embedder):
    """A keyword search asks for pages holding the words, whatever they are about."""
    with tenant_context(tenant_a):
        hits = search_pages(query="delivery euros", mode=Mode.KEYWORD, embedder=embedder)
    assert [hit.slug for hit in hits] == ["shipping"]


def test_the_closest_background_line_is_the_subject_of_the_question(embedder):
    vector = embedder.embed([FLIGHTS_QUESTION])[0]
    scores = background_vectors(embedder) @ np.asarray(vector, dtype=np.float32)
    assert len(scores) == len(BACKGROUND_LINES)
    assert "flights" in BACKGROUND_LINES[int(scores.argmax())].lower()
    assert background_similarity(vector, embedder=embedder) == pytest.approx(float(scores.max()))
