"""Counts the service keeps for its Prometheus metrics: events that leave no row of their
own (a check re-sent by the sweeper), counted in the database so that every process (web,
workers, beat) adds to the same number and `/metrics` reads it from any of them."""

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
