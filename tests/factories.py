"""factory_boy factories for every model."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from readiness import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = models.Role.VIEWER


class SsoIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SsoIdentity

    user = factory.SubFactory(UserFactory)
    issuer = "https://login.example.com"
    subject = factory.Sequence(lambda n: f"sub-{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Project

    team = factory.SubFactory(TeamFactory)
    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")
    source = "/tmp/nowhere"


class ChecklistVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ChecklistVersion

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = "Readiness"
    source_text = "version: 1\n"
    digest = factory.Sequence(lambda n: f"{n:064x}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Category

    checklist = factory.SubFactory(ChecklistVersionFactory)
    key = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda c: c.key.title())
    position = factory.Sequence(lambda n: n)


class CheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Check

    checklist = factory.SubFactory(ChecklistVersionFactory)
    category = factory.SubFactory(CategoryFactory, checklist=factory.SelfAttribute("..checklist"))
    key = factory.Sequence(lambda n: f"check-{n}")
    name = factory.LazyAttribute(lambda c: f"Check {c.key}")
    type = "manual"
    options = factory.LazyFunction(lambda: {"valid_days": 90, "evidence_required": False})
    position = factory.Sequence(lambda n: n)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Assessment

    checklist = factory.SubFactory(ChecklistVersionFactory)
    project = factory.LazyAttribute(lambda a: a.checklist.project)
    trigger = models.Trigger.MANUAL
    status = models.AssessmentStatus.DONE
    evaluated_at = factory.LazyFunction(timezone.now)
    score = 8.0
    coverage = 1.0
    verdict = models.Verdict.READY


class CategoryScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CategoryScore

    assessment = factory.SubFactory(AssessmentFactory)
    key = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda c: c.key.title())
    score = 8.0
    coverage = 1.0


class CheckResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CheckResult

    assessment = factory.SubFactory(AssessmentFactory)
    check_item = factory.SubFactory(
        CheckFactory, checklist=factory.SelfAttribute("..assessment.checklist")
    )
    status = models.ResultStatus.PASS
    credit = 1.0
    summary = "ok"


class AttestationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Attestation

    project = factory.SubFactory(ProjectFactory)
    check_key = "check-0"
    status = models.AttestationStatus.PASS
    attested_by = "alice"
    attested_at = factory.LazyFunction(timezone.now)
    valid_until = factory.LazyAttribute(lambda a: a.attested_at + dt.timedelta(days=90))


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActionItem

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Action {n}")


class BackfillRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BackfillRequest

    checklist = factory.SubFactory(ChecklistVersionFactory)
    project = factory.SelfAttribute("checklist.project")
    since = dt.date(2026, 1, 1)
    every = "day"
    revisions = factory.LazyFunction(lambda: ["0" * 40])


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AuditEntry

    team = factory.SubFactory(TeamFactory)
    action = "project.schedule"
    target_label = "Project"
    before = factory.LazyFunction(lambda: {"schedule": ""})
    after = factory.LazyFunction(lambda: {"schedule": "30 8 * * 1-5"})


class WaiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Waiver

    project = factory.SubFactory(ProjectFactory)
    team = factory.SelfAttribute("project.team")
    check_key = "check-0"
    reason = "a vendor fix is due"
    until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    ends_at = factory.LazyAttribute(
        lambda w: timezone.make_aware(
            dt.datetime.combine(w.until + dt.timedelta(days=1), dt.time.min)
        )
    )
    requested_by = factory.SubFactory(UserFactory)


class BaseChecklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BaseChecklist

    team = factory.SubFactory(TeamFactory)
    slug = factory.Sequence(lambda n: f"base-{n}")
    name = factory.Sequence(lambda n: f"Base {n}")


class BaseChecklistVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BaseChecklistVersion

    base = factory.SubFactory(BaseChecklistFactory)
    number = factory.Sequence(lambda n: n + 1)
    source_text = "version: 1\nname: Base\ncategories: []\n"
    digest = factory.Sequence(lambda n: f"{n:064x}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Campaign

    team = factory.SubFactory(TeamFactory)
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    start = dt.date(2026, 11, 2)
    target = dt.date(2026, 12, 1)
    checks_text = "version: 1\noverrides:\n  a: {weight: 2}\n"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ApiToken

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"token-{n}")
    scope = models.TokenScope.READ
    prefix = "rdy_abcdef"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class NotificationChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.NotificationChannel

    project = factory.SubFactory(ProjectFactory)
    kind = "webhook"
    url = "http://127.0.0.1:9/hook"
    secret = "whsec-0123456789abcdef"
    rules = factory.LazyFunction(lambda: ["regression", "verdict", "critical"])


class NotificationDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.NotificationDelivery

    channel = factory.SubFactory(NotificationChannelFactory)
    rule = "verdict"
    subject = factory.Sequence(lambda n: f"assessment:{n}")
    payload = factory.LazyFunction(lambda: {"event": "verdict", "summary": "changed"})


class ServiceCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceCounter

    name = factory.Sequence(lambda n: f"counter.{n}")
    value = 1


class MetricsAssessmentTotalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MetricsAssessmentTotal

    project = factory.SubFactory(ProjectFactory)
    trigger = models.Trigger.SCHEDULE
    status = models.AssessmentStatus.DONE
    count = 3


class MetricsDurationTotalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MetricsDurationTotal

    project = factory.SubFactory(ProjectFactory)
    type = "grep"
    count = 2
    sum_ms = 30.0
    buckets = factory.LazyFunction(lambda: [0, 1, *([2] * 11)])
