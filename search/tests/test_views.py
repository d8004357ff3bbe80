"""The site search page /search/: in the site's frame, escaped, bounded SQL."""

import pytest

from search.tests.conftest import page_publish_indexed, paragraph
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
