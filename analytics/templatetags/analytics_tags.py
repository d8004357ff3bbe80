"""`{% analytics_dashboard %}`: the admin index's dashboard, first drawn with the page
and then refreshed in place by analytics/dashboard.js."""

from django import template
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from analytics import selectors, views

register = template.Library()


@register.simple_tag(takes_context=True)
def analytics_dashboard(context):
    request = context["request"]
    if connection.schema_name == get_public_schema_name():
        body = {"days": views.period(request), "periods": selectors.PERIODS}
        body["tenants"] = selectors.visits_per_tenant(days=body["days"])
        return render_to_string(
            "analytics/dashboard.html",
            {
                "url": reverse("analytics_platform:tenants", urlconf="config.urls_public"),
                "body_template": "analytics/platform_body.html",
                "title": "Visits per tenant",
                "refresh_seconds": views.settings.ANALYTICS_REFRESH_SECONDS,
                **body,
            },
            request=request,
        )
    return render_to_string(
        "analytics/dashboard.html",
        {
            "url": reverse("analytics:dashboard"),
            "body_template": "analytics/dashboard_body.html",
            "title": "Analytics",
            **views.dashboard_context(request),
        },
        request=request,
    )
