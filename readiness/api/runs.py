"""`POST /api/v1/projects/{slug}/assessments/`: the Run now button, for scripts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from readiness.api.auth import api_project, caller
from readiness.api.problems import ProblemError, ProblemOut
from readiness.models import Assessment, Role, Trigger
from readiness.queue import QueueUnavailable
from readiness.services.assessments import (
    AssessmentError,
    AssessmentRunning,
    assessment_start_unless_running,
)

router = Router(tags=["assessments"])


class AssessmentStartedOut(Schema):
    id: int
    status: str
    progress_url: str
    url: str


def assessment_links(request: HttpRequest, assessment: Assessment) -> dict[str, str]:
    """The API's addresses of an assessment and of its progress, absolute."""
    root = reverse("api:api-root")
    return {
        "url": request.build_absolute_uri(f"{root}assessments/{assessment.pk}/"),
        "progress_url": request.build_absolute_uri(f"{root}assessments/{assessment.pk}/progress"),
    }


@router.post(
    "projects/{slug}/assessments/",
    response={202: AssessmentStartedOut, 409: ProblemOut, 503: ProblemOut},
    summary="Start an assessment (as the Run now button)",
    description=(
        "Needs a `run` token or an editor's session. Answers 202 at once with the "
        "assessment's id and where to poll its progress (also in `Location`); the workers "
        "run it. 409 while another assessment of the project is pending or running (its "
        "id and progress_url are in the problem); 422 when the project has no checklist "
        "yet; 503 when the queue is unavailable."
    ),
)
def assessment_start(request: HttpRequest, slug: str, response: HttpResponse) -> Status:
    project = api_project(request, slug, role=Role.EDITOR)
    try:
        assessment = assessment_start_unless_running(
            project=project, trigger=Trigger.API, user=caller(request).actor
        )
    except AssessmentRunning as running:
        links = assessment_links(request, running.assessment)
        raise ProblemError(
            409,
            _("Assessment #%(id)s of this project is still running: follow its progress.")
            % {"id": running.assessment.pk},
            id=running.assessment.pk,
            **links,
        ) from None
    except AssessmentError:
        raise HttpError(422, _("This project has no checklist yet: upload one first.")) from None
    except QueueUnavailable:
        raise HttpError(
            503,
            _(
                "The queue is unavailable, so the assessment could not be started. "
                "Try again in a moment."
            ),
        ) from None
    links = assessment_links(request, assessment)
    response["Location"] = links["url"]
    return Status(202, {"id": assessment.pk, "status": assessment.status, **links})
