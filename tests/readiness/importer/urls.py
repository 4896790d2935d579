"""The application's URLs plus the import and report views, until the lead wires them into
readiness/urls.py under the same names."""

from django.urls import include, path

from readiness.urls import app_patterns
from readiness.urls import urlpatterns as base_patterns
from readiness.views import imports

import_patterns = [
    path("projects/<slug:slug>/import/", imports.import_document, name="import"),
    path("projects/<slug:slug>/report/", imports.report_download, name="report-download"),
]

urlpatterns = [
    path("", include(([*app_patterns, *import_patterns], "readiness"))),
    *base_patterns[1:],
]
