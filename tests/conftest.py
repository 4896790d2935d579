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


@pytest.fixture
def oidc_provider():
    """A running OpenID Connect provider on loopback (tests/oidc_provider.py)."""
    from tests.oidc_provider import running_provider

    with running_provider() as provider:
        yield provider


SSO_TEAM_MAP = (
    "groups:platform-admins=platform:admin, groups:devs=platform:editor,"
    " domain:example.com=platform:viewer, groups:data=data:editor"
)


@pytest.fixture
def sso(settings, oidc_provider):
    """Single sign-on on, with the loopback provider and SSO_TEAM_MAP, as the environment
    would set it; the provider, to choose who signs in."""
    from readiness.sso.provider import provider_forget
    from readiness.sso.team_map import team_map_parse
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    provider_forget()
    settings.READINESS_OIDC_ISSUER = oidc_provider.url
    settings.READINESS_OIDC_NAME = "Loopback ID"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.READINESS_OIDC_TEAM_RULES = team_map_parse(SSO_TEAM_MAP)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "readiness.sso.backend.SsoBackend",
    ]
    yield oidc_provider
    provider_forget()
