"""The one NinjaAPI instance, mounted at /api/ on every tenant host.

Secure by default: every operation needs a JWT of this tenant unless it says otherwise
(`auth=None` for logging in, `ApiKeyAuth(scope)` for partner keys). Errors are problem+json
(api.errors, api.problem_api); rate limits per key, user and IP (api.throttles). Routers live in
api/routers/<resource>.py and call the apps' services and selectors.
"""

from api.auth import JWTAuth
from api.problem_api import ProblemAPI
from api.routers.analytics import router as analytics_router
from api.routers.answers import router as answers_router
from api.routers.auth import router as auth_router
from api.routers.events import router as events_router
from api.routers.images import router as images_router
from api.routers.keys import router as keys_router
from api.routers.me import router as me_router
from api.routers.pages import published_router as published_pages_router
from api.routers.pages import router as pages_router
from api.routers.search import router as search_router
from api.routers.webhooks import router as webhooks_router
from api.throttles import throttles

api = ProblemAPI(
    title="Tenant site API",
    version="1.0.0",
    description="Pages and account of one site. Log in at POST /api/auth/token, then send "
    "`Authorization: Bearer <access>`; partners send `Authorization: Api-Key <key>`.",
    urls_namespace="api",
    auth=JWTAuth(),
    throttle=throttles(),
)
api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/events", events_router)
api.add_router("/pages", pages_router)
api.add_router("/published/pages", published_pages_router)
api.add_router("/keys", keys_router)
api.add_router("/search", search_router)
api.add_router("/images", images_router)
api.add_router("/answers", answers_router)
api.add_router("/analytics", analytics_router)
