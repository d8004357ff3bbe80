"""The site search page: /search/?q=...&mode=... on every tenant host."""

from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from analytics.counting import search_counted
from content.frame import site_frame
from search.selectors import LIMIT_MAX, QUERY_MAX_CHARS, Mode, search_pages

MODE_UNKNOWN = "Unknown search mode {mode!r}: use hybrid, semantic or keyword."


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()
    mode_value = request.GET.get("mode", Mode.HYBRID)
    error, hits = "", []
    if mode_value not in Mode._value2member_map_:
        error = MODE_UNKNOWN.format(mode=mode_value)
    elif len(query) > QUERY_MAX_CHARS:
        error = f"The search is too long: at most {QUERY_MAX_CHARS} characters."
    elif query:
        hits = search_pages(query=query, mode=mode_value, limit=LIMIT_MAX // 5)
        search_counted(query=query, results=len(hits))
    context = {
        **site_frame(tenant=request.tenant),  # name, accent, the home page's menu, as on its pages
        "query": query,
        "mode": mode_value,
        "modes": list(Mode),
        "hits": hits,
        "error": error,
        # "Nothing matches" offers the other kind of search for the same words.
        "keyword_query": urlencode({"q": query, "mode": Mode.KEYWORD}),
        "semantic_query": urlencode({"q": query, "mode": Mode.HYBRID}),
    }
    return render(request, "search/search.html", context, status=400 if error else 200)
