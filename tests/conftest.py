import pytest
from django.utils import translation

# The API write endpoints' world (a fixture module, so that no conftest is shared).
pytest_plugins = ["tests.readiness.api.write_support"]


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.READINESS_GIT_CACHE_DIR = tmp_path / "git-cache"


@pytest.fixture(autouse=True)
def _english_again():
    # The test client leaves the last request's language active in this thread.
    yield
    translation.deactivate()
