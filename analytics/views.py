"""The dashboard's live fragment and the CSV exports, for the tenant admin (its own
numbers) and the platform admin (visits per tenant). Staff only (the admin site's
admin_view: a visitor is sent to its login page)."""

import csv

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string

from analytics import selectors
from analytics.charts import line_chart

DAYS_DEFAULT = 30


def period(request) -> int:
    """The period asked for (?days=7, 30 or 90), else 30 days."""
    try:
        days = int(request.GET.get("days", DAYS_DEFAULT))
    except ValueError:
        return DAYS_DEFAULT
    return days if days in selectors.PERIODS else DAYS_DEFAULT


def dashboard_context(request) -> dict:
    data = selectors.dashboard(days=period(request))
    data["chart"] = line_chart(data["visits"], [("views", "views", "views"), ("uniques", "unique visitors", "uniques")])
    data["answers_chart"] = line_chart(
        data["answers"], [("answers", "answers", "answers"), ("none", "no answer on the site", "unanswered")]
    )
    revenue = _revenue_by_day(data["conversions"])
    data["revenue"] = revenue
    data["periods"] = selectors.PERIODS
    data["series_names"] = selectors.SERIES_NAMES
    data["refresh_seconds"] = settings.ANALYTICS_REFRESH_SECONDS
    return data


def _revenue_by_day(conversions: list[dict]) -> list[dict]:
    days: dict = {}
    for row in conversions:
        day = days.setdefault(row["day"], {"day": row["day"], "conversions": 0, "purchases": 0, "value": {}})
        day["conversions" if row["kind"] == "conversion" else "purchases"] += row["count"]
        day["value"][row["currency"]] = day["value"].get(row["currency"], 0) + row["value"]
    return list(days.values())


def dashboard_fragment(request):
    return HttpResponse(render_to_string("analytics/dashboard_body.html", dashboard_context(request), request=request))


def export_csv(request, name: str):
    try:
        rows = selectors.series_rows(name=name, days=period(request))
    except selectors.UnknownSeries:
        raise Http404(f"No series {name!r}.") from None
    return _csv(rows, filename=f"{request.tenant.schema_name}-{name}-{period(request)}d.csv")


def platform_fragment(request):
    context = {
        "days": period(request),
        "periods": selectors.PERIODS,
        "tenants": selectors.visits_per_tenant(days=period(request)),
    }
    return HttpResponse(render_to_string("analytics/platform_body.html", context, request=request))


def platform_csv(request):
    rows = selectors.visits_per_tenant(days=period(request))
    return _csv(rows, filename=f"tenants-visits-{period(request)}d.csv")


def _csv(rows: list[dict], *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return response


def _cell(value):
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
