"""Reads for the dashboard, the CSV exports and the API: all from the day roll-ups
(DayCount, one index on (series, day)), never the minute rows; one query per series."""

import datetime as dt
import statistics
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone
from django_tenants.utils import get_tenant_model

from analytics.models import DayCount, Series
from analytics.services import TOTAL_KEY
from content.models import Page, PageRevision

PERIODS = (7, 30, 90)
TOP_LIMIT = 10

# The series each export and API operation names, and how its rows read.
SERIES_NAMES = {
    "visits": "days: views, unique visitors, bot views",
    "pages": "top pages (slug, views)",
    "referrers": "top referrers (host, visits)",
    "searches": "top searches (text, count)",
    "searches-empty": "searches with no results (text, count)",
    "conversions": "conversions and purchases per day (count, value, currency)",
    "api-keys": "API calls per key (prefix, calls)",
    "answers": "answers per day: by kind (model, extractive, none), model tokens in and out, median latency (ms)",
}
ANSWER_KINDS = ("model", "extractive", "none")


class UnknownSeries(LookupError):
    pass


def _first_day(days: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.now().astimezone(dt.UTC).date()
    return today - dt.timedelta(days=days - 1)


def visits_by_day(*, days: int) -> list[dict]:
    """One row per day of the period (zeros included), oldest first: views, uniques, bots."""
    first = _first_day(days)
    by_day: dict[dt.date, dict] = {
        first + dt.timedelta(days=n): {"day": first + dt.timedelta(days=n), "views": 0, "uniques": 0, "bots": 0}
        for n in range(days)
    }
    rows = DayCount.objects.filter(
        Q(series__in=[Series.VIEW, Series.BOT], key=TOTAL_KEY) | Q(series=Series.UNIQUES, key=""),
        day__gte=first,
    ).values_list("day", "series", "count")
    names = {Series.VIEW: "views", Series.BOT: "bots", Series.UNIQUES: "uniques"}
    for day, series, count in rows:
        if day in by_day:
            by_day[day][names[series]] = count
    return list(by_day.values())


def top_keys(*, series: str, days: int, limit: int = TOP_LIMIT) -> list[dict]:
    """The period's most counted keys of `series` (pages, referrers, searches, API keys)."""
    return list(
        DayCount.objects.filter(series=series, day__gte=_first_day(days))
        .exclude(key=TOTAL_KEY)
        .values("key")
        .annotate(count=Sum("count"))
        .order_by("-count", "key")[:limit]
    )


def conversions_by_day(*, days: int) -> list[dict]:
    """Conversions (relay) and purchases (webhooks) per day and currency, oldest first."""
    rows = (
        DayCount.objects.filter(series__in=[Series.CONVERSION, Series.PURCHASE], day__gte=_first_day(days))
        .order_by("day", "series", "key")
        .values_list("day", "series", "key", "count", "value")
    )
    return [
        {
            "day": day,
            "kind": "purchase" if series == Series.PURCHASE else "conversion",
            "currency": key,
            "count": count,
            "value": value,
        }
        for day, series, key, count, value in rows
    ]


def answers_by_day(*, days: int) -> list[dict]:
    """One row per day of the period (zeros included), oldest first: answers by kind, the
    model's tokens in and out, the day's median latency (None on a day without answers)."""
    first = _first_day(days)
    by_day: dict[dt.date, dict] = {
        first + dt.timedelta(days=n): {
            "day": first + dt.timedelta(days=n),
            **dict.fromkeys(ANSWER_KINDS, 0),
            "tokens_in": 0,
            "tokens_out": 0,
            "latency_p50_ms": None,
        }
        for n in range(days)
    }
    names = {(Series.ANSWER_TOKENS, "in"): "tokens_in", (Series.ANSWER_TOKENS, "out"): "tokens_out"}
    rows = DayCount.objects.filter(
        series__in=[Series.ANSWER, Series.ANSWER_TOKENS, Series.ANSWER_LATENCY], day__gte=first
    ).values_list("day", "series", "key", "count")
    for day, series, key, count in rows:
        row = by_day.get(day)
        if row is None:
            continue
        if series == Series.ANSWER_LATENCY:
            row["latency_p50_ms"] = count
        elif series == Series.ANSWER and key in ANSWER_KINDS:
            row[key] = count
        elif (series, key) in names:
            row[names[series, key]] = count
    for row in by_day.values():
        row["answers"] = sum(row[kind] for kind in ANSWER_KINDS)
    return list(by_day.values())


def totals(*, days: int, answers: list[dict] | None = None) -> dict:
    visits = visits_by_day(days=days)
    conversions = conversions_by_day(days=days)
    answers = answers_by_day(days=days) if answers is None else answers
    return {
        "views": sum(v["views"] for v in visits),
        "uniques": sum(v["uniques"] for v in visits),  # daily uniques, summed: the salt changes daily
        "bots": sum(v["bots"] for v in visits),
        "conversions": sum(c["count"] for c in conversions),
        "value": sum((c["value"] for c in conversions), Decimal(0)),
        "answers": sum(a["answers"] for a in answers),
        "answers_none": sum(a["none"] for a in answers),
        "tokens_in": sum(a["tokens_in"] for a in answers),
        "tokens_out": sum(a["tokens_out"] for a in answers),
        # The median of the days' medians: a day's own median is all the roll-up keeps.
        "answers_latency_ms": _median([a["latency_p50_ms"] for a in answers if a["latency_p50_ms"] is not None]),
    }


def _median(values: list[int]) -> int | None:
    return round(statistics.median(values)) if values else None


def series_rows(*, name: str, days: int, limit: int = 1000) -> list[dict]:
    """The rows of the series called `name` (SERIES_NAMES) over the last `days` days."""
    if name == "visits":
        return visits_by_day(days=days)
    if name == "conversions":
        return conversions_by_day(days=days)
    if name == "answers":
        return answers_by_day(days=days)
    series = {
        "pages": Series.VIEW,
        "referrers": Series.REFERRER,
        "searches": Series.SEARCH,
        "searches-empty": Series.SEARCH_EMPTY,
        "api-keys": Series.API,
    }.get(name)
    if series is None:
        raise UnknownSeries(name)
    return top_keys(series=series, days=days, limit=limit)


def drafts_waiting(*, limit: int = TOP_LIMIT) -> list[Page]:
    """Pages never published, or changed since they were (a second of slack: a publish
    saves both times)."""
    return list(
        Page.objects.filter(Q(status=Page.Status.DRAFT) | Q(updated_at__gt=F("published_at") + dt.timedelta(seconds=1)))
        .only("id", "slug", "title", "updated_at")
        .order_by("-updated_at")[:limit]
    )


def latest_edits(*, limit: int = TOP_LIMIT) -> list[PageRevision]:
    return list(
        PageRevision.objects.select_related("page", "author")
        .only("id", "title", "created_at", "page__id", "page__slug", "author__email", "author__username")
        .order_by("-created_at")[:limit]
    )


def dashboard(*, days: int) -> dict:
    """Everything the tenant admin's index shows."""
    answers = answers_by_day(days=days)
    return {
        "days": days,
        "visits": visits_by_day(days=days),
        "answers": answers,
        "totals": totals(days=days, answers=answers),
        "pages": top_keys(series=Series.VIEW, days=days),
        "referrers": top_keys(series=Series.REFERRER, days=days),
        "searches_empty": top_keys(series=Series.SEARCH_EMPTY, days=days),
        "conversions": conversions_by_day(days=days),
        "drafts": drafts_waiting(),
        "edits": latest_edits(),
    }


def visits_per_tenant(*, days: int) -> list[dict]:
    """The platform admin's table: each tenant's views, uniques and bots over the period
    (one query per tenant, in its schema)."""
    first = _first_day(days)
    out = []
    for tenant in get_tenant_model().objects.filter(state="live").order_by("schema_name"):
        with tenant:
            rows = dict(
                DayCount.objects.filter(
                    Q(series__in=[Series.VIEW, Series.BOT], key=TOTAL_KEY) | Q(series=Series.UNIQUES, key=""),
                    day__gte=first,
                )
                .values_list("series")
                .annotate(total=Sum("count"))
                .values_list("series", "total")
            )
        out.append(
            {
                "tenant": tenant.schema_name,
                "name": getattr(tenant, "name", tenant.schema_name),
                "views": rows.get(Series.VIEW, 0),
                "uniques": rows.get(Series.UNIQUES, 0),
                "bots": rows.get(Series.BOT, 0),
            }
        )
    return out
