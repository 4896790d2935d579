"""The REST API under /api/v1/ (django-ninja): typed schemas, OpenAPI generated from the
code at /api/v1/openapi.json, interactive docs at /api/v1/docs from our own static files
(django-ninja's bundled Swagger UI, no CDN). One router module per resource, added here."""

from __future__ import annotations

from ninja import NinjaAPI, Router
from ninja.operation import PathView

from readiness.api.action_items import router as action_items_router
from readiness.api.assess import router as assess_router
from readiness.api.assessments import router as assessments_router
from readiness.api.attestations import router as attestations_router
from readiness.api.auth import API_AUTH
from readiness.api.checklists import router as checklists_router
from readiness.api.compare import router as compare_router
from readiness.api.problems import install_problem_handlers
from readiness.api.projects import router as projects_router
from readiness.api.runs import router as runs_router


def joined(*routers: Router) -> Router:
    """One router with the operations of `routers`. Django answers a URL from the first
    pattern that matches it, so a path that two routers declare (GET from one, POST from
    another) must be one ninja path to answer both methods rather than 405 for one. Each
    operation keeps its own tags; the routers must not have decorators of their own."""
    combined = Router()
    for router in routers:
        assert not router._decorators, "a joined router's decorators would be lost"
        for path, view in router.path_operations.items():
            into = combined.path_operations.setdefault(path, PathView())
            into.is_async = into.is_async or view.is_async
            for operation in view.operations:
                if operation.tags is None and router.tags is not None:
                    operation.tags = list(router.tags)
                into.operations.append(operation)
    return combined


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

api.add_router(
    "/projects/",
    joined(projects_router, attestations_router, action_items_router, checklists_router),
)
# `projects/{slug}/assessments/` is read here (GET) and started here (POST): one path.
api.add_router("/", joined(assessments_router, runs_router, compare_router))
api.add_router("/", assess_router)
