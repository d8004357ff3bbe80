"""The one NinjaAPI instance, mounted at /api/ on every tenant host.

Routers live in api/routers/<resource>.py and call the apps' services and selectors.
"""

from ninja import NinjaAPI

api = NinjaAPI(title="Tenant site API", version="1.0.0", urls_namespace="api")

from api.routers import webhooks  # noqa: E402

api.add_router("/webhooks", webhooks.router)
