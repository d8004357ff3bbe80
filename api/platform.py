"""The second NinjaAPI, mounted at /api/ on the public host (BASE_DOMAIN) only.

Same auth endpoints and error shape as the tenant API; its tokens carry tenant claim
"public" and every other operation needs a platform admin (api.routers.platform).
"""

from api.problem_api import ProblemAPI
from api.routers.auth import router as auth_router
from api.routers.platform import PlatformAdminAuth
from api.routers.platform import router as tenants_router
from api.throttles import throttles

platform_api = ProblemAPI(
    title="Platform API",
    version="1.0.0",
    description="Tenants and their domains, for platform admins. Log in at POST /api/auth/token "
    "on the platform host, then send `Authorization: Bearer <access>`.",
    urls_namespace="platform-api",
    auth=PlatformAdminAuth(),
    throttle=throttles(),
)
platform_api.add_router("/auth", auth_router)
platform_api.add_router("/tenants", tenants_router)
