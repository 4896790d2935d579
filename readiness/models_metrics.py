"""Counts the service keeps for its Prometheus metrics: events that leave no row of their
own (a check re-sent by the sweeper), counted in the database so that every process (web,
workers, beat) adds to the same number and `/metrics` reads it from any of them; and the
running totals of finished assessments and check durations (readiness/services/
metrics_rollup.py), so that a scrape does not aggregate the whole history and the
counters do not drop when retention deletes check rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceCounter(models.Model):
    """One monotonic count, by name (e.g. "sweeper.resent.lease_expired")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    value = models.BigIntegerField(_("value"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service counter")
        verbose_name_plural = _("service counters")

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class MetricsAssessmentTotal(models.Model):
    """Finished assessments of one project, trigger and status folded into the rollup."""

    project = models.ForeignKey(
        "readiness.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    trigger = models.CharField(_("trigger"), max_length=10)
    status = models.CharField(_("status"), max_length=10)
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        ordering = ["project", "trigger", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "trigger", "status"], name="metricsassessmenttotal_unique"
            )
        ]
        verbose_name = _("assessment total")
        verbose_name_plural = _("assessment totals")

    def __str__(self) -> str:
        return f"{self.project_id} {self.trigger} {self.status} = {self.count}"


class MetricsDurationTotal(models.Model):
    """The check duration histogram of one project and check type folded into the rollup:
    cumulative counts per bound of readiness.selectors.metrics.DURATION_BUCKETS_S."""

    project = models.ForeignKey(
        "readiness.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    type = models.CharField(_("type"), max_length=20)
    count = models.BigIntegerField(_("count"), default=0)
    sum_ms = models.FloatField(_("sum (ms)"), default=0)
    buckets = models.JSONField(_("buckets"), default=list)

    class Meta:
        ordering = ["project", "type"]
        constraints = [
            models.UniqueConstraint(fields=["project", "type"], name="metricsdurationtotal_unique")
        ]
        verbose_name = _("check duration total")
        verbose_name_plural = _("check duration totals")

    def __str__(self) -> str:
        return f"{self.project_id} {self.type}: {self.count}"
