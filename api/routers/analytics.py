"""GET /api/analytics/<series>: the site's analytics as JSON, the dashboard's series
(analytics.selectors), for a user allowed to view them or a key with `analytics:read`."""

import datetime as dt
from decimal import Decimal
from enum import Enum

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from analytics import selectors
from api.auth import ApiKeyAuth, JWTAuth
from api.errors import Problem, codes_4xx
from api.models import ApiKey
from api.permissions import permission_require

router = Router(tags=["analytics"])

SeriesName = Enum("SeriesName", {name.replace("-", "_"): name for name in selectors.SERIES_NAMES}, type=str)


class PeriodParams(Schema):
    days: int = Field(30, ge=1, le=400, description="The last N days, today included (UTC).")


class SeriesOut(Schema):
    series: str
    days: int
    rows: list[dict[str, str | int | None]]


def _json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # money: exact, as the CSV has it
    return value


@router.get(
    "/{series}",
    response={200: SeriesOut, codes_4xx: Problem},
    auth=[JWTAuth(), ApiKeyAuth(ApiKey.Scope.ANALYTICS_READ.value)],
    summary="One analytics series",
)
def series(request: HttpRequest, series: SeriesName, params: Query[PeriodParams]):
    """`visits` (per day: views, unique visitors, bot views), `pages`, `referrers`,
    `searches`, `searches-empty`, `api-keys` (top keys and counts over the period) or
    `conversions` (per day and currency: count and value) or `answers` (per day: answers by
    kind, the model's tokens in and out, the median latency in ms, null on a day without any)."""
    permission_require(request, "analytics.view_daycount")
    rows = selectors.series_rows(name=series.value, days=params.days)
    return {
        "series": series.value,
        "days": params.days,
        "rows": [{key: _json(value) for key, value in row.items()} for row in rows],
    }
