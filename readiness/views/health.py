"""The health endpoint for load balancers and uptime monitors: no login, JSON, 200 when
the database answers and 503 when it does not."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        # The endpoint is public: the driver's message (hosts, ports, paths) goes to the
        # log, the answer names only the kind of failure.
        logger.warning("health check: the database is unreachable", exc_info=True)
        return JsonResponse(
            {
                "status": "error",
                "database": "error",
                "reason": f"database unreachable ({type(error).__name__})",
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})
