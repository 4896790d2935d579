"""Fixtures of the service tests: the seed document is the importer tests' own; the
organisation of shared checklists and campaigns."""

from tests.readiness.importer.conftest import seed  # noqa: F401 (a fixture, found by name)
from tests.readiness.services.organisation import organisation  # noqa: F401 (a fixture)
