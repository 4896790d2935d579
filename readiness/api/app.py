"""The REST API under /api/v1/ (django-ninja): typed schemas, OpenAPI generated from the
code at /api/v1/openapi.json, interactive docs at /api/v1/docs from our own static files
(django-ninja's bundled Swagger UI, no CDN). One router module per resource, added here."""

from __future__ import annotations

from ninja import NinjaAPI

from readiness.api.assessments import router as assessments_router
from readiness.api.auth import API_AUTH
from readiness.api.compare import router as compare_router
from readiness.api.problems import install_problem_handlers
from readiness.api.projects import router as projects_router

api = NinjaAPI(
    title="readiness",
    version="1",
    description="How ready a team's services are for production, with evidence.",
    urls_namespace="api",
    # The docs and the schema are public, like any published API reference: they describe
    # the operations and hold no data. Swagger UI's files are ours (static/ninja/) and
    # work under the site's Content-Security-Policy unchanged (tests/browser/test_api_pages).
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=API_AUTH,
)
install_problem_handlers(api)

api.add_router("/projects/", projects_router)
api.add_router("/", assessments_router)
api.add_router("/", compare_router)
