"""Fixtures of the service tests: the seed document is the importer tests' own."""

from tests.readiness.importer.conftest import seed  # noqa: F401 (a fixture, found by name)
