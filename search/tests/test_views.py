"""The site search page /search/: in the site's frame, escaped, bounded SQL."""

import pytest

from search.tests.utils import page_publish_indexed, paragraph
from search.views import MODE_UNKNOWN


@pytest.fixture
def tricky_page(tenant_a, embedder):
    text = "Our <script>alert(1)</script> espresso &amp; cake menu changes weekly."
    return page_publish_indexed(tenant_a, slug="menu", title="Menu <b>today</b>", blocks=[paragraph(text)])


def test_snippet_and_title_are_escaped_and_words_marked(tricky_page, client_a):
    response = client_a.get("/search/", {"q": "espresso <script>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<mark>espresso</mark>" in html
    assert "Menu &lt;b&gt;today&lt;/b&gt;" in html
    assert 'value="espresso &lt;script&gt;"' in html
    assert "Alpha Bikes" in html  # the site's frame (content's base.html)


def test_unknown_mode_is_a_400_that_says_what_to_use(client_a):
    response = client_a.get("/search/", {"q": "cake", "mode": "psychic"})
    assert response.status_code == 400
    assert MODE_UNKNOWN.format(mode="psychic") in response.content.decode().replace("&#x27;", "'")


def test_empty_query_shows_the_form_only(client_a):
    response = client_a.get("/search/")
    assert (
        response.status_code == 200
        and b'name="q"' in response.content
        and b'<li class="search-hit"' not in response.content
    )


def test_search_page_sql_is_bounded(tricky_page, client_a, django_assert_max_num_queries):
    client_a.get("/search/", {"q": "cake"})  # warm the tenant and query-vector caches
    # set_config, the one search statement, the home menu, the atomic block's savepoint
    # pair, and django-tenants' SET search_path per new cursor (4): nothing per result.
    with django_assert_max_num_queries(9):
        assert client_a.get("/search/", {"q": "cake"}).status_code == 200


def test_unrelated_question_says_nothing_matches_and_offers_exact_words(tricky_page, client_a):
    response = client_a.get("/search/", {"q": "who won the football world cup"})
    html = response.content.decode()
    assert response.status_code == 200 and '<li class="search-hit"' not in html
    assert "Nothing on this site matches “who won the football world cup”." in html
    assert 'href="?q=who+won+the+football+world+cup&amp;mode=keyword"' in html


def test_keyword_search_without_match_offers_search_by_meaning(tricky_page, client_a):
    html = client_a.get("/search/", {"q": "zqattack", "mode": "keyword"}).content.decode()
    assert "Nothing on this site matches" in html and 'href="?q=zqattack&amp;mode=hybrid"' in html


def test_snippet_is_the_sentence_that_matched_not_the_first_words(tenant_a, client_a, embedder):
    blocks = [
        paragraph(
            "Our café at the roastery serves espresso from 1.20, filter of the day and pastries from the bakery "
            "next door. Oat milk costs 40 cents extra. Dogs are welcome inside. There is free wifi on weekdays."
        )
    ]
    page_publish_indexed(tenant_a, slug="cafe", title="The café", blocks=blocks, embedder=embedder)
    html = client_a.get("/search/", {"q": "can I bring my pet"}).content.decode()
    snippet = html[html.index('<p class="search-snippet">') :].split("</p>", 1)[0]
    assert "Dogs are welcome inside." in snippet and "Our café at the roastery" not in snippet

    html = client_a.get("/search/", {"q": "oat milk price", "mode": "keyword"}).content.decode()
    snippet = html[html.index('<p class="search-snippet">') :].split("</p>", 1)[0]
    assert "<mark>Oat</mark> <mark>milk</mark>" in snippet
