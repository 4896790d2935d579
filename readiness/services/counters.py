"""The service's counters (readiness/models_metrics.py): added to by any process, in the
database, so that `/metrics` reports one total whichever process it is served from."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from readiness.models import ServiceCounter

# The sweeper sent a check again: its worker's lease ran out (the worker died), or it was
# pending past its deadline (the broker lost its message).
SWEEPER_RESENT_LEASE_EXPIRED = "sweeper.resent.lease_expired"
SWEEPER_RESENT_NOT_STARTED = "sweeper.resent.not_started"


def service_counter_add(*, name: str, amount: int = 1) -> None:
    """Add `amount` to the counter `name`, made at 0 the first time (safe when processes
    add at once: an UPDATE of the row, or its creation, which only one process wins)."""
    if amount <= 0:
        return
    if ServiceCounter.objects.filter(name=name).update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            ServiceCounter.objects.create(name=name, value=amount)
    except IntegrityError:
        ServiceCounter.objects.filter(name=name).update(value=F("value") + amount)
