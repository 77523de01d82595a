"""The API instance: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

from siyu.api import errors
from siyu.api.auth import auth
from siyu.commerce.api import router as commerce_router
from siyu.content.api import router as content_router
from siyu.dashboards.api import router as dashboards_router
from siyu.guidetasks.api import router as guidetasks_router
from siyu.loyalty.api import router as loyalty_router
from siyu.members.api import router as members_router
from siyu.org.api import router as org_router
from siyu.relations.api import router as relations_router
from siyu.tracking.api import router as tracking_router

api = NinjaAPI(
    title="siyu API",
    version="1",
    urls_namespace="api",
    auth=auth,
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/v1/", org_router)
api.add_router("/v1/", members_router)
api.add_router("/v1/", relations_router)
api.add_router("/v1/", content_router)
api.add_router("/v1/", tracking_router)
api.add_router("/v1/", commerce_router)
api.add_router("/v1/", guidetasks_router)
api.add_router("/v1/", dashboards_router)
api.add_router("/v1/", loyalty_router)
