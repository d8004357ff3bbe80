"""GET /api/search: the site's published pages that best answer a question.

Readable with a JWT of this tenant or a partner key holding `search:read`. The same
selector serves the site page /search/, so both rank the same way.
"""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from api.auth import ApiKeyAuth, JWTAuth
from api.errors import Problem, codes_4xx
from api.models import ApiKey
from search.selectors import LIMIT_MAX, QUERY_MAX_CHARS, Mode, search_pages

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=QUERY_MAX_CHARS, description="The question or words to look for.")
    mode: Mode = Field(
        Mode.HYBRID,
        description="`hybrid` (default: meaning, plus the share of the question's rarer words a page holds), "
        "`semantic` (meaning only) or `keyword` (words only).",
    )
    limit: int = Field(10, ge=1, le=LIMIT_MAX, description="Pages to return, best first.")


class SearchHitOut(Schema):
    page_id: int
    slug: str
    title: str
    path: str = Field(description="The page's URL path on this site.")
    snippet: str = Field(description="HTML: the best passage, escaped, matched words in <mark>.")
    score: float = Field(
        description="Relevance of the page's best passage, higher is better. `semantic`: cosine similarity of "
        "the question and the passage (-1 to 1); `keyword`: the share of the question's information (idf-weighted "
        "words) the passage holds (0 to 1); `hybrid`: similarity + 0.15 x that share. Pages under the mode's "
        "relevance floor are left out, so a question this site cannot answer gets an empty list."
    )


class SearchOut(Schema):
    query: str
    mode: Mode
    results: list[SearchHitOut]


@router.get(
    "",
    response={200: SearchOut, codes_4xx: Problem},
    auth=[JWTAuth(), ApiKeyAuth(ApiKey.Scope.SEARCH_READ.value)],
    summary="Search published pages",
)
def search(request: HttpRequest, params: Query[SearchParams]):
    """One result per page, best first, over this site's published pages only; an empty
    list when nothing on the site is relevant enough."""
    hits = search_pages(query=params.q, mode=params.mode, limit=params.limit)
    results = [
        SearchHitOut(
            page_id=hit.page_id,
            slug=hit.slug,
            title=hit.title,
            path=hit.path,
            snippet=str(hit.snippet),
            score=hit.score,
        )
        for hit in hits
    ]
    return {"query": params.q, "mode": params.mode, "results": results}
