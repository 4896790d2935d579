"""The readiness app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Readiness")
    default_auto_field = "django.db.models.BigAutoField"
