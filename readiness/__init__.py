"""The readiness Django project; exports the Celery app so that workers and Django share it."""

from readiness.celery import app as celery_app

__all__ = ["celery_app"]
