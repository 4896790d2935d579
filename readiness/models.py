"""Stored state: teams and projects, immutable checklist versions, assessments with their
per-check results and denormalised per-category scores, attestations and action items."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checks.spec import Severity, Status

KEY_MAX = 100
# user@host:path, git's scp-like syntax for ssh.
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:[^\s]+$")


def is_git_url(source: str) -> bool:
    """Whether a project source is a git URL (any scheme, or scp-like), not a local path."""
    return "://" in source or _SCP_LIKE.match(source) is not None


SUBFOLDER_MAX = 500
# Glob and escape characters: a subfolder is one folder, never a pattern.
_NOT_IN_SUBFOLDER = re.compile(r"[*?\[\]{}\\\x00-\x1f\x7f]")


def subfolder_clean(subfolder: str) -> str:
    """`subfolder` normalised (no ./, no doubled or trailing /; "" for the repository
    root), or ValueError naming what is wrong: it must be a relative path inside the
    repository, without .., .git or glob characters."""
    value = subfolder.strip()
    if len(value) > SUBFOLDER_MAX:
        raise ValueError(gettext("Longer than %(limit)s characters.") % {"limit": SUBFOLDER_MAX})
    if value.startswith("/"):
        raise ValueError(
            gettext("%(path)s: give a path relative to the repository's root, not an absolute one")
            % {"path": value}
        )
    if _NOT_IN_SUBFOLDER.search(value):
        raise ValueError(
            gettext("%(path)s: one folder, without glob characters (* ? [ ] { }) or backslashes")
            % {"path": value}
        )
    parts = [part for part in value.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ValueError(gettext("%(path)s: .. would leave the repository") % {"path": value})
    if ".git" in parts:
        raise ValueError(gettext("%(path)s: .git holds git's own files") % {"path": value})
    return "/".join(parts)


def validate_subfolder(subfolder: str) -> None:
    try:
        subfolder_clean(subfolder)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Admin")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.team} ({self.role})"


class SsoIdentity(models.Model):
    """A user's account at the single sign-on provider: `subject` (the `sub` claim) is the
    provider's identifier for them, stable when their name or e-mail address changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(_("issuer"), max_length=500)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("created at"), default=now)
    last_login_at = models.DateTimeField(_("last login"), default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="sso_identity_unique_issuer_subject"
            ),
            # One account at a provider per user: a second one would be a takeover.
            models.UniqueConstraint(fields=["issuer", "user"], name="sso_identity_unique_user"),
        ]
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")

    def __str__(self) -> str:
        return f"{self.user} · {self.subject}"


SOURCE_HELP = _(
    "The absolute path of a folder on the server (read as it is, or a git working tree), "
    "or a git URL (https, http, ssh, git, file, or user@host:path); it must answer when "
    "the project is saved."
)
SUBFOLDER_HELP = _(
    "A folder inside the repository, e.g. services/api, when the project is not the whole "
    "repository: its checks then read paths, run commands and read files from there. "
    "Empty: the repository's root."
)


BASE_URL_HELP = _(
    "Where the running service answers, e.g. https://api.example.com: runtime checks ask "
    "${base_url} there. Empty: they are skipped (no base URL set)."
)


def base_url_clean(value: str) -> str:
    """`value` without surrounding spaces or a trailing /, or ValidationError: an http(s)
    URL with a host, no query, fragment or credentials."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        raise ValidationError(_("Not a valid URL: %(problem)s") % {"problem": exc}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Give an http:// or https:// URL with a host."))
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(_("Give the URL without a query, fragment or credentials."))
    if any(c.isspace() for c in value):
        raise ValidationError(_("A URL has no spaces."))
    return value


def validate_base_url(value: str) -> None:
    base_url_clean(value)


def badge_key_new() -> str:
    """A fresh random key for a project's badge URLs (24 URL-safe characters)."""
    return secrets.token_urlsafe(18)


class Project(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="projects")
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # A local path (git working tree or plain folder) or a git URL.
    source = models.CharField(_("source"), max_length=1000, help_text=SOURCE_HELP)
    ref = models.CharField(_("git ref"), max_length=200, blank=True)
    # Checks run as if the repository's root were this folder; "" is the root itself.
    subfolder = models.CharField(
        _("subfolder"),
        max_length=SUBFOLDER_MAX,
        blank=True,
        default="",
        help_text=SUBFOLDER_HELP,
        validators=[validate_subfolder],
    )
    # The running service's address, filled into checks' ${base_url} (checks.placeholders).
    base_url = models.CharField(
        _("base URL"),
        max_length=500,
        blank=True,
        default="",
        help_text=BASE_URL_HELP,
        validators=[validate_base_url],
    )
    schedule = models.CharField(
        _("schedule"), max_length=100, blank=True, help_text=_("Cron expression, e.g. 30 8 * * 1-5")
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # The level of its checklist's `levels` the team aims at; blank: none set.
    target_level = models.CharField(
        _("target level"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("One of the levels of the project's checklist, e.g. silver; empty: none."),
    )
    # The secret of the project's badge URLs (/badge/<slug>.svg?key=…): it shows the badge
    # and nothing else, so a private project's badge can sit in a public README.
    badge_key = models.CharField(
        _("badge key"),
        max_length=64,
        default=badge_key_new,
        help_text=_("The key of the badge URLs; a new one makes the old URLs answer 404."),
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    @property
    def is_git_url(self) -> bool:
        return is_git_url(self.source)

    def placeholders(self) -> dict[str, str]:
        """The values of this project for checks' `${name}` placeholders."""
        return {"base_url": self.base_url} if self.base_url else {}

    def current_checklist(self) -> ChecklistVersion | None:
        return self.checklist_versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    """One immutable version of a project's checklist file, as it was imported."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="checklist_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    ready_at = models.FloatField(_("ready at"), default=8.0)
    # The checklist's ordered levels, lowest first (`levels:`); empty: no levels.
    levels = models.JSONField(_("levels"), default=list, blank=True)
    source_text = models.TextField(_("checklist file"))
    source_name = models.CharField(_("file name"), max_length=255, default=".readiness.yml")
    digest = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=now)
    # A shared checklist: the base its file extends (`extends:`), the team bases it was built
    # from (any depth) and the campaigns whose checks it holds.
    extends = models.CharField(_("extends"), max_length=300, blank=True, default="")
    bases = models.ManyToManyField(
        "readiness.BaseChecklistVersion",
        blank=True,
        related_name="checklist_versions",
        verbose_name=_("base checklist versions"),
    )
    campaigns = models.ManyToManyField(
        "readiness.Campaign",
        blank=True,
        related_name="checklist_versions",
        verbose_name=_("campaigns"),
    )

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="checklistversion_unique_number"
            )
        ]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")

    def __str__(self) -> str:
        return f"{self.project} v{self.number}"


class Category(models.Model):
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="categories"
    )
    key = models.CharField(_("key"), max_length=KEY_MAX)
    name = models.CharField(_("name"), max_length=200)
    weight = models.FloatField(_("weight"), default=1.0)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="category_unique_key")
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Check(models.Model):
    checklist = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="checks")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="checks")
    key = models.CharField(_("key"), max_length=KEY_MAX)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(_("type"), max_length=20)
    weight = models.FloatField(_("weight"), default=1.0)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=[(s.value, s.value) for s in Severity],
        default=Severity.MEDIUM,
    )
    # The type's own fields, validated and normalised by checks.checklist.
    options = models.JSONField(_("options"), default=dict)
    # The level that first requires the check (`level:`); blank: the checklist's lowest.
    level = models.CharField(_("level"), max_length=40, blank=True, default="")
    line = models.PositiveIntegerField(_("line in file"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="check_unique_key")
        ]
        verbose_name = _("check")
        verbose_name_plural = _("checks")

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"


class Trigger(models.TextChoices):
    MANUAL = "manual", _("Manual")
    SCHEDULE = "schedule", _("Schedule")
    CLI = "cli", _("Command line")
    BACKFILL = "backfill", _("Backfill")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class AssessmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class Verdict(models.TextChoices):
    READY = "ready", _("Ready")
    NOT_READY = "not-ready", _("Not ready")


class Assessment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    revision = models.CharField(_("revision"), max_length=64, blank=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.PENDING,
    )
    # When the evaluated state existed: now for a live run, the commit time for a backfilled
    # point, the document's date for an imported one. History is ordered by it.
    evaluated_at = models.DateTimeField(_("evaluated at"), default=now)
    created_at = models.DateTimeField(_("created at"), default=now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    coverage = models.FloatField(_("coverage"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    verdict_reasons = models.JSONField(_("verdict reasons"), default=list, blank=True)
    # The highest level of the checklist's `levels` achieved; blank: none (or no levels).
    level = models.CharField(_("level"), max_length=40, blank=True, default="")
    # The waivers in force when the assessment was evaluated, as they were then
    # ([{"check", "waiver", "until", "reason"}]): their checks are `waived`.
    waived = models.JSONField(_("waived checks"), default=list, blank=True)
    checks_total = models.PositiveIntegerField(_("checks"), default=0)
    checks_done = models.PositiveIntegerField(_("checks done"), default=0)
    # True when the scores were claimed by an imported document rather than measured.
    claimed = models.BooleanField(_("claimed by document"), default=False)
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Set by retention (readiness/services/retention.py) on an old point whose unchanged
    # per-check rows were deleted: the point of its chain that kept every row. Its other
    # checks carry the status of their nearest earlier row in that chain.
    retention_anchor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retention_chain",
        verbose_name=_("retention anchor"),
    )
    # The age in days past which retention pruned this point's evidence.
    retention_days = models.PositiveIntegerField(_("pruned after (days)"), null=True, blank=True)
    # Set when the metrics rollup (readiness/services/metrics_rollup.py) has folded this
    # finished assessment and its results into the running totals of `/metrics`.
    metrics_rolled_up = models.BooleanField(_("in the metrics totals"), default=False)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [
            # History page, chart and "previous assessment": a project's points by date.
            models.Index(fields=["project", "evaluated_at", "id"], name="assessment_history_idx"),
            # The sweeper and the overview's "running…" state.
            models.Index(fields=["status"], name="assessment_status_idx"),
            # A project's latest point claimed by a document (overview, standup): few
            # points are claimed, and without it the lookup walks the whole history.
            models.Index(
                fields=["project", "evaluated_at", "id"],
                condition=models.Q(claimed=True),
                name="assessment_claimed_idx",
            ),
            # `/metrics` and its rollup: the assessments not yet in the running totals
            # (running ones and those finished since the last rollup), whatever the history.
            models.Index(
                fields=["id"],
                condition=models.Q(metrics_rolled_up=False),
                name="assessment_metrics_delta_idx",
            ),
        ]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.project} #{self.pk} ({self.evaluated_at:%Y-%m-%d})"

    @property
    def file_checks_only(self) -> bool:
        """A backfilled point: measured from a past commit's files (and the attestations
        valid then); its other checks were not measured."""
        return self.trigger == Trigger.BACKFILL

    @property
    def is_pruned(self) -> bool:
        """Retention deleted this point's unchanged per-check rows (their evidence)."""
        return self.retention_anchor_id is not None

    @property
    def is_finished(self) -> bool:
        return self.status in (
            AssessmentStatus.DONE,
            AssessmentStatus.CANCELLED,
            AssessmentStatus.FAILED,
        )

    @property
    def progress_percent(self) -> int:
        if not self.checks_total:
            return 100 if self.is_finished else 0
        return round(100 * self.checks_done / self.checks_total)


class CategoryScore(models.Model):
    """Per-category score of one assessment, denormalised so that history pages and charts
    read these rows and never the per-check results."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="category_scores"
    )
    key = models.CharField(_("key"), max_length=KEY_MAX)
    name = models.CharField(_("name"), max_length=200)
    weight = models.FloatField(_("weight"), default=1.0)
    score = models.FloatField(_("score"), null=True, blank=True)
    coverage = models.FloatField(_("coverage"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["assessment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="categoryscore_unique_key")
        ]
        verbose_name = _("category score")
        verbose_name_plural = _("category scores")

    def __str__(self) -> str:
        return f"{self.key}: {self.score}"


class ResultStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    PASS = Status.PASS.value, _("Pass")
    WARN = Status.WARN.value, _("Warn")
    FAIL = Status.FAIL.value, _("Fail")
    ERROR = Status.ERROR.value, _("Error")
    SKIP = Status.SKIP.value, _("Skip")
    # Set when the assessment is finalised, on the checks an approved waiver covered; the
    # status the check measured stays in details["waived"]["measured"].
    WAIVED = "waived", _("Waived")


FINISHED_RESULT_STATUSES = [*(s.value for s in Status), ResultStatus.WAIVED.value]


class CheckResult(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    check_item = models.ForeignKey(
        Check, on_delete=models.PROTECT, related_name="results", verbose_name=_("check")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.PENDING
    )
    credit = models.FloatField(_("credit"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    duration_ms = models.FloatField(_("duration (ms)"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # A worker that claims the row holds it until this time; past it the sweeper re-enqueues.
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    # Not stored: set on the results readiness.retained gives back for rows retention
    # deleted, to the date of the kept row their status is carried from.
    carried_from: dt.datetime | None = None
    pruned_after_days: int | None = None

    class Meta:
        ordering = ["assessment", "check_item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "check_item"], name="checkresult_unique")
        ]
        indexes = [
            # The sweeper: unfinished rows whose lease ran out.
            models.Index(fields=["status", "lease_expires_at"], name="checkresult_lease_idx"),
        ]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")

    def __str__(self) -> str:
        return f"{self.check_item.key}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_RESULT_STATUSES


class AttestationStatus(models.TextChoices):
    PASS = Status.PASS.value, _("Pass")
    WARN = Status.WARN.value, _("Warn")
    FAIL = Status.FAIL.value, _("Fail")


class Attestation(models.Model):
    """A person's statement about a manual check. Keyed by check key, so that it still
    applies after the checklist gets a new version."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attestations")
    check_key = models.CharField(_("check"), max_length=KEY_MAX)
    status = models.CharField(_("status"), max_length=10, choices=AttestationStatus.choices)
    note = models.TextField(_("note"), blank=True)
    evidence_url = models.URLField(_("evidence link"), max_length=1000, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # The attester's name as written, for attestations by people without an account
    # (e.g. the author of an imported document).
    attested_by = models.CharField(_("attested by"), max_length=200)
    attested_at = models.DateTimeField(_("attested at"), default=now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-attested_at", "-id"]
        indexes = [
            # The manual check's latest attestation.
            models.Index(
                fields=["project", "check_key", "attested_at"], name="attestation_latest_idx"
            ),
        ]
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")

    def __str__(self) -> str:
        return f"{self.check_key}: {self.status} by {self.attested_by}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class ActionItem(models.Model):
    """Something the team still owes (the "À FAIRE" list of a readiness document)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("title"), max_length=500)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    check_key = models.CharField(_("check"), max_length=KEY_MAX, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["status", "due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title


class BackfillRequest(models.Model):
    """A backfill sent to the workers from the dashboard: the commits it covers, so that
    its progress is read from the assessments stored for them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="backfills")
    checklist = models.ForeignKey(
        ChecklistVersion, on_delete=models.CASCADE, related_name="backfills"
    )
    since = models.DateField(_("since"))
    every = models.CharField(_("every"), max_length=10)
    revisions = models.JSONField(_("revisions"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("backfill request")
        verbose_name_plural = _("backfill requests")

    def __str__(self) -> str:
        return f"{self.project} since {self.since:%Y-%m-%d} ({len(self.revisions)} points)"


class WaiverStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    # Approved, and its date has passed (set, and audited, by the expiry task; a waiver
    # ends at its date whether or not that task has run).
    EXPIRED = "expired", _("Expired")


class Waiver(models.Model):
    """A request to exempt one check from scoring, for a reason and until a date, decided
    by a team admin other than the requester. In force from its approval through its
    `until` date (it ends at `ends_at`, the next midnight of the server's time zone)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="waivers")
    # What it exempts: the check of one project, or the check of every project whose
    # checklist extends a team's base checklist (at any depth, now or later): one of the two.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="waivers"
    )
    base = models.ForeignKey(
        "readiness.BaseChecklist",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waivers",
        verbose_name=_("base checklist"),
    )
    check_key = models.CharField(_("check"), max_length=KEY_MAX)
    reason = models.TextField(_("reason"))
    until = models.DateField(_("until"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaiverStatus.choices, default=WaiverStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="waivers_requested",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waivers_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            # The waivers in force for a project's assessment, and the project page's list.
            models.Index(fields=["project", "status", "ends_at"], name="waiver_project_idx"),
            # The expiry task and the standup: approved waivers by end.
            models.Index(fields=["status", "ends_at"], name="waiver_expiry_idx"),
            # The waivers in force for every project extending a base, and the base's page.
            models.Index(fields=["base", "status", "ends_at"], name="waiver_base_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False, base__isnull=True)
                | models.Q(project__isnull=True, base__isnull=False),
                name="waiver_project_or_base",
            )
        ]
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")

    def __str__(self) -> str:
        return f"#{self.pk} {self.scope}/{self.check_key} until {self.until:%Y-%m-%d}"

    @property
    def scope(self) -> str:
        """What it covers: the project's slug, or `extends team/checklist` for a base's."""
        if self.base_id:
            return f"extends {self.base.ref}"
        return self.project.slug if self.project_id else "-"


# The audit trail, API tokens, metrics counters, notifications and shared standards live
# in their own modules; re-exported so that `readiness.models` names every model.
from readiness.models_api import ApiToken, TokenScope  # noqa: E402, F401
from readiness.models_audit import (  # noqa: E402, F401
    AppendOnlyError,
    AuditEntry,
    AuditEntryQuerySet,
)
from readiness.models_metrics import (  # noqa: E402, F401
    MetricsAssessmentTotal,
    MetricsDurationTotal,
    ServiceCounter,
)
from readiness.models_notify import (  # noqa: E402, F401
    NotificationChannel,
    NotificationDelivery,
)
from readiness.models_shared import (  # noqa: E402, F401
    BaseChecklist,
    BaseChecklistVersion,
    Campaign,
)
