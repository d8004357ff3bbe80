"""The background gate (search.background): a question closer to another subject than to
the site, or holding a rare word the site never uses while its best page matches weakly,
gets no list on a site whose subject it is not; the same question on a site whose subject
it is gets that site's page. Two tenants, the real model."""

import numpy as np
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from search.background import (
    BACKGROUND_LINES,
    background_similarity,
    background_vectors,
    rare_words,
    word_zipf,
    words_known,
    words_unknown,
)
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


# The second witness (search.background.rare_words, words_known): a word rare in English
# that the site never uses vetoes a weak meaning match.
KAYAK_QUESTION = "kayak rental on the lake"


@pytest.fixture
def bike_hire_and_kayaks(tenant_a, tenant_b, embedder):
    """tenant_a: a bike shop that hires out bikes; tenant_b: a kayak outfitter."""
    page_publish_indexed(
        tenant_a,
        slug="rental",
        title="Bike rental",
        blocks=[paragraph("Rent a city bike or an e-bike by the day or the week; helmets and locks are included.")],
        embedder=embedder,
    )
    page_publish_indexed(
        tenant_a,
        slug="ebike-battery",
        title="E-bike battery care",
        blocks=[paragraph("Lithium cells last longest when kept between 20 and 80 percent charge.")],
        embedder=embedder,
    )
    page_publish_indexed(
        tenant_b,
        slug="kayaks",
        title="Kayaks on the lake",
        blocks=[paragraph("Single and double kayaks for rent by the hour on the lake; life jackets included.")],
        embedder=embedder,
    )


def test_rare_words_are_the_questions_uncommon_english_words():
    assert word_zipf("the") > 7 > 4 > word_zipf("kayak") > 0
    assert rare_words("Kayak rental on the lake", below=4.0) == ["kayak"]
    assert rare_words("Kayak rental on the lake", below=4.5) == ["kayak", "rental"]
    # Letters only: codes and prices are no words of English to veto with.
    assert rare_words("RC3 €14,900", below=4.0) == []


def test_the_vocabulary_is_the_tenants_own_published_words(bike_hire_and_kayaks, tenant_a, tenant_b):
    """Stemmed as the pages were ("kayaks" finds "kayak"); a stop word is nobody's evidence;
    tenant B's words are not tenant A's."""
    with tenant_context(tenant_a):
        assert words_known(["kayaks", "rent", "helmet", "the"]) == {
            "kayaks": False,
            "rent": True,
            "helmet": True,
            "the": None,
        }
        assert words_unknown(["kayak", "lithium"]) == ["kayak"]
    with tenant_context(tenant_b):
        assert words_unknown(["kayak", "lithium"]) == ["lithium"]


@pytest.mark.parametrize("mode", [Mode.HYBRID, Mode.SEMANTIC])
def test_a_rare_word_the_site_never_uses_vetoes_a_weak_match(bike_hire_and_kayaks, tenant_a, tenant_b, embedder, mode):
    with tenant_context(tenant_a):
        at_the_bike_shop = search_pages(query=KAYAK_QUESTION, mode=mode, embedder=embedder)
        with override_settings(SEARCH_RARE_WORD_ZIPF=0):
            without_the_veto = search_pages(query=KAYAK_QUESTION, mode=mode, embedder=embedder)
        # A paraphrase with a rare word the shop doesn't use ("accumulator") but a strong
        # meaning match keeps its answer.
        paraphrase = search_pages(query="make my electric bike accumulator last longer", mode=mode, embedder=embedder)
    with tenant_context(tenant_b):
        at_the_outfitter = search_pages(query=KAYAK_QUESTION, mode=mode, embedder=embedder)
    assert at_the_bike_shop == []
    assert [hit.slug for hit in without_the_veto][:1] == ["rental"]
    assert [hit.slug for hit in paraphrase][:1] == ["ebike-battery"]
    assert [hit.slug for hit in at_the_outfitter] == ["kayaks"]


def test_the_vocabulary_is_asked_only_when_the_meaning_match_is_weak(bike_hire_and_kayaks, tenant_a, embedder):
    """A question the site answers well costs no statement more; the kayak question one."""

    def vocabulary_statements(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            search_pages(query=query, mode=Mode.HYBRID, embedder=embedder)
        return sum("plainto_tsquery" in query["sql"] for query in queries.captured_queries)

    with tenant_context(tenant_a):
        assert vocabulary_statements("how long do lithium e-bike batteries last") == 0
        assert vocabulary_statements(KAYAK_QUESTION) == 1


def test_the_small_word_list_finds_the_same_rare_words_as_the_large_one():
    """rare_words reads wordfreq's small list (4 MB in a worker, not ~40) for thresholds
    above Zipf 3: the same words come out as with the large list ("expiry" is 3.0)."""
    question = "kayak rental bike espresso matcha dentist expiry voucher the orthodontist tandem gums"
    for below in (3.0, 3.5, 4.0, 4.5):
        large = sorted(word for word in set(question.split()) if word_zipf(word) < below)
        assert rare_words(question, below=below) == large
