import pytest


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.READINESS_GIT_CACHE_DIR = tmp_path / "git-cache"
