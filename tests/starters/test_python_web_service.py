"""The Python web service starter on small repositories shaped like real FastAPI and Flask
projects: each fixture reproduces one project's layout and idioms, with the status a
person reading it gives each check."""

from __future__ import annotations

import pytest

from tests.starters.repos import Fixture, assert_statuses, build, run_starter

STARTER = "python-web-service"

# Shaped like the full-stack FastAPI template: the service in backend/, pydantic settings
# with required secrets, a /utils/health-check/ route, uv at the root, the Dockerfile
# starting `fastapi run` in exec form, CI calling a tests script.
FASTAPI_TEMPLATE = {
    "backend/app/core/config.py": (
        "from pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n"
        '    API_V1_STR: str = "/api/v1"\n'
        "    SECRET_KEY: str\n"
        "    ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8\n"
        '    FRONTEND_HOST: str = "http://localhost:5173"\n'
        "    FIRST_SUPERUSER_PASSWORD: str\n"
        "    SMTP_PASSWORD: str | None = None\n"
    ),
    "backend/app/main.py": (
        "import sentry_sdk\nfrom fastapi import FastAPI\n"
        "from starlette.middleware.cors import CORSMiddleware\n"
        "app = FastAPI(title=settings.PROJECT_NAME)\n"
        "app.add_middleware(\n    CORSMiddleware,\n    allow_origins=[settings.FRONTEND_HOST],\n"
        '    allow_credentials=True,\n    allow_methods=["*"],\n    allow_headers=["*"],\n)\n'
    ),
    "backend/app/api/routes/utils.py": (
        'router = APIRouter(prefix="/utils", tags=["utils"])\n\n'
        '@router.get("/health-check/")\nasync def health_check() -> bool:\n    return True\n'
    ),
    "backend/app/backend_pre_start.py": (
        "import logging\nlogging.basicConfig(level=logging.INFO)\n"
    ),
    "backend/tests/api/routes/test_items.py": "def test_it_lists_items(client):\n    pass\n",
    "backend/Dockerfile": (
        'FROM python:3.13\nWORKDIR /app/backend/\nCMD ["fastapi", "run", "--workers", "4"]\n'
    ),
    "uv.lock": (
        'version = 1\nrequires-python = ">=3.10"\n\n[[package]]\n'
        'name = "fastapi"\nversion = "0.115.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
    ),
    "pyproject.toml": '[project]\nname = "app"\ndependencies = ["fastapi[standard]>=0.114"]\n',
    ".github/workflows/test-backend.yml": (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: uv run bash scripts/tests-start.sh "Coverage"\n'
    ),
}
FASTAPI_TEMPLATE_EXPECTED = {
    "no-insecure-secret-fallback": "pass",
    "debug-off-by-default": "pass",
    "no-wildcard-origins": "pass",
    "dependencies-locked": "pass",
    "requirements-pinned": "pass",
    "health-endpoint": "pass",
    "production-server": "pass",
    "logging-configured": "pass",
    "tests-exist": "pass",
    "ci-configured": "pass",
    "ci-runs-tests": "pass",
    # No base URL set on the project; manual checks not attested.
    "health-answers": "skip",
    "error-tracking": "error",
    "on-call-runbook": "error",
}

# Shaped like the FastAPI RealWorld example: settings classes per environment (debug on
# in the development class only), a required SecretStr, but `allowed_hosts = ["*"]` fed to
# CORSMiddleware with credentials; no health route; Poetry; loguru.
FASTAPI_REALWORLD = {
    "app/core/settings/app.py": (
        "from pydantic import SecretStr\n\nclass AppSettings(BaseAppSettings):\n"
        "    debug: bool = False\n    secret_key: SecretStr\n"
        '    jwt_token_prefix: str = "Token"\n'
        '    allowed_hosts: List[str] = ["*"]\n\n'
        "    def configure_logging(self) -> None:\n"
        '        logger.configure(handlers=[{"sink": sys.stderr}])\n'
    ),
    "app/core/settings/development.py": (
        "class DevAppSettings(AppSettings):\n    debug: bool = True\n"
    ),
    "app/main.py": (
        "application = FastAPI(**settings.fastapi_kwargs)\n"
        "application.add_middleware(\n    CORSMiddleware,\n"
        "    allow_origins=settings.allowed_hosts,\n    allow_credentials=True,\n)\n"
    ),
    "app/api/routes/users.py": (
        '@router.get("", name="users:get-current-user")\nasync def retrieve_current_user():\n'
        "    pass\n"
    ),
    "tests/test_api/test_routes/test_login.py": (
        "@pytest.mark.parametrize(\n"
        '    "credentials_part, credentials_value",\n'
        '    (("email", "wrong@test.com"), ("password", "wrong")),\n)\n'
        "def test_it_refuses_wrong_credentials(credentials_part, credentials_value):\n"
        "    pass\n"
    ),
    "poetry.lock": (
        '[[package]]\nname = "fastapi"\nversion = "0.110.0"\n'
        'python-versions = ">=3.8"\n\n[package.dependencies]\nstarlette = ">=0.36.3,<0.37.0"\n'
    ),
    "Dockerfile": (
        "FROM python:3.9.10-slim\nCMD poetry run alembic upgrade head && \\\n"
        "    poetry run uvicorn --host=0.0.0.0 app.main:app\n"
    ),
    ".github/workflows/tests.yml": (
        "jobs:\n  test:\n    steps:\n      - name: Run tests\n        run: |\n"
        "          poetry run pytest --cov=app\n"
    ),
}
FASTAPI_REALWORLD_EXPECTED = {
    **FASTAPI_TEMPLATE_EXPECTED,
    "no-wildcard-origins": "fail",
    "health-endpoint": "fail",
}

# Shaped like the Flask Mega-Tutorial's microblog: a Config class reading the environment
# with `or` fallbacks (a literal SECRET_KEY among them), handlers added to app.logger,
# pinned requirements, gunicorn in boot.sh, a top-level tests.py, no CI, no health route.
FLASK_MICROBLOG = {
    "config.py": (
        "import os\n\nclass Config:\n"
        "    SECRET_KEY = os.environ.get('SECRET_KEY') or 'you-will-never-guess'\n"
        "    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL', '').replace(\n"
        "        'postgres://', 'postgresql://') or 'sqlite:///app.db'\n"
        "    MAIL_PORT = int(os.environ.get('MAIL_PORT') or 25)\n"
        "    MAIL_PASSWORD = os.environ.get('MAIL_PASSWORD')\n"
        "    REDIS_URL = os.environ.get('REDIS_URL') or 'redis://'\n"
    ),
    "app/__init__.py": (
        "def create_app(config_class=Config):\n    app = Flask(__name__)\n"
        "    if not app.debug and not app.testing:\n"
        "        app.logger.addHandler(stream_handler)\n"
        "        app.logger.setLevel(logging.INFO)\n    return app\n"
    ),
    "app/main/routes.py": (
        "@bp.route('/', methods=['GET', 'POST'])\n@bp.route('/index', methods=['GET', 'POST'])\n"
        "def index():\n    pass\n"
    ),
    "requirements.txt": "alembic==1.6.5\nFlask==2.0.1\ngunicorn==20.1.0\n",
    "boot.sh": (
        "#!/bin/bash\nflask db upgrade\n"
        "exec gunicorn -b :5000 --access-logfile - --error-logfile - microblog:app\n"
    ),
    "tests.py": "class UserModelCase(unittest.TestCase):\n    pass\n",
}
FLASK_MICROBLOG_EXPECTED = {
    **FASTAPI_TEMPLATE_EXPECTED,
    "no-insecure-secret-fallback": "fail",
    "health-endpoint": "fail",
    "ci-configured": "fail",
    # No CI file to read: ci-configured already fails for it.
    "ci-runs-tests": "error",
}

# Shaped like CTFd: the package named after the project, settings from an ini file
# interpolated with the environment and a generated secret as fallback; a testing config
# class with a literal key and DEBUG = True (used by the tests only); `set_config` calls
# with passwords in tests; requirements exported by uv with markers; a /healthcheck route.
FLASK_CTFD = {
    "CTFd/config.py": (
        "def gen_secret_key():\n    return os.urandom(64)\n\n"
        "class ServerConfig(object):\n"
        '    SECRET_KEY: str = empty_str_cast(config_ini["server"]["SECRET_KEY"]) \\\n'
        "        or gen_secret_key()\n"
        '    REDIS_PROTOCOL: str = empty_str_cast(config_ini["server"]["PROTO"]) or "redis"\n\n'
        "class TestingConfig(ServerConfig):\n"
        '    SECRET_KEY = "AAAAAAAAAAAAAAAAAAAA"\n    TESTING = True\n    DEBUG = True\n'
        '    SQLALCHEMY_DATABASE_URI = os.getenv("TESTING_DATABASE_URL") or "sqlite://"\n'
    ),
    "CTFd/views.py": ('@views.route("/healthcheck")\ndef healthcheck():\n    return "OK", 200\n'),
    "CTFd/utils/initialization/__init__.py": (
        "def init_logs(app):\n"
        '    logger_submissions = logging.getLogger("submissions")\n'
        "    logger_submissions.setLevel(logging.INFO)\n"
    ),
    "migrations/versions/9e6f6578ca84_description.py": (
        'def downgrade():\n    op.drop_column("tokens", "description")\n'
    ),
    "tests/users/test_auth.py": (
        'def test_user_can_reset_password():\n    set_config("mail_password", "password")\n'
    ),
    "requirements.txt": (
        "# This file was autogenerated by uv via the following command:\n"
        "#    uv export --frozen --no-dev --output-file requirements.txt\n"
        "alembic==1.16.4\n    # via\n    #   flask-migrate\n"
        "async-timeout==5.0.1 ; python_full_version <= '3.11.2'\n    # via redis\n"
        "flask==3.1.1\n    # via\n    #   ctfd\n    #   flask-migrate\n"
    ),
    "uv.lock": 'version = 1\n\n[[package]]\nname = "alembic"\nversion = "1.16.4"\n',
    "docker-entrypoint.sh": "exec gunicorn 'CTFd:create_app()' --bind '0.0.0.0:8000'\n",
    ".github/workflows/sqlite.yml": "jobs:\n  build:\n    steps:\n      - run: make test\n",
}
FLASK_CTFD_EXPECTED = FASTAPI_TEMPLATE_EXPECTED

# Every unsafe idiom the security checks know, one per line, and an unpinned requirement.
INSECURE_IDIOMS = {
    "service/settings.py": (
        'SECRET_KEY = os.getenv("SECRET_KEY", "dev")\n'
        'JWT_SECRET = config("JWT_SECRET", default="change-me")\n'
        'DATABASE_URL = env("DATABASE_URL", "postgresql://app:hunter2@db/app")\n'
        'DEBUG = os.getenv("DEBUG", "True") == "True"\n'
        'FLASK_DEBUG = config("FLASK_DEBUG", cast=bool, default=True)\n'
        'ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "*").split(",")\n'
        "class Settings(BaseSettings):\n"
        '    api_key: str = "sk-test-123"\n'
    ),
    "service/app.py": (
        "app = Flask(__name__)\nCORS(app)\n"
        "api = FastAPI(debug=True)\n"
        'api.add_middleware(CORSMiddleware, allow_origins=["*"])\n'
        '@app.get("/healthz")\ndef healthz():\n    return {"status": "ok"}\n'
        "logging.basicConfig()\n"
    ),
    "requirements.txt": "flask>=2\nrequests\ngunicorn==22.0.0\n",
    "Procfile": "web: gunicorn service.app:app\n",
    "tests/test_app.py": "def test_it_answers():\n    pass\n",
    ".gitlab-ci.yml": "test:\n  script:\n    - python -m pytest\n",
}
INSECURE_IDIOMS_EXPECTED = {
    **FASTAPI_TEMPLATE_EXPECTED,
    "no-insecure-secret-fallback": "fail",
    "debug-off-by-default": "fail",
    "no-wildcard-origins": "fail",
    "requirements-pinned": "fail",
}

FIXTURES = [
    Fixture(
        "fastapi-template",
        "full-stack FastAPI template",
        FASTAPI_TEMPLATE,
        FASTAPI_TEMPLATE_EXPECTED,
    ),
    Fixture(
        "fastapi-realworld",
        "FastAPI RealWorld example app",
        FASTAPI_REALWORLD,
        FASTAPI_REALWORLD_EXPECTED,
    ),
    Fixture(
        "flask-microblog",
        "Flask Mega-Tutorial microblog",
        FLASK_MICROBLOG,
        FLASK_MICROBLOG_EXPECTED,
    ),
    Fixture("flask-ctfd", "CTFd", FLASK_CTFD, FLASK_CTFD_EXPECTED),
    Fixture(
        "insecure-idioms",
        "every unsafe idiom, one per line",
        INSECURE_IDIOMS,
        INSECURE_IDIOMS_EXPECTED,
    ),
]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda fixture: fixture.name)
def test_it_gives_each_fixture_its_expected_statuses(tmp_path, fixture):
    assert_statuses(STARTER, fixture, tmp_path)


def test_it_names_the_line_of_each_unsafe_setting(tmp_path):
    outcomes = run_starter(STARTER, build(FIXTURES[-1], tmp_path))
    lines = {
        key: sorted((e.path, e.line) for e in outcomes[key].evidence)
        for key in ("no-insecure-secret-fallback", "debug-off-by-default", "no-wildcard-origins")
    }
    assert lines == {
        "no-insecure-secret-fallback": [
            ("service/settings.py", 1),
            ("service/settings.py", 2),
            ("service/settings.py", 3),
            ("service/settings.py", 8),
        ],
        "debug-off-by-default": [
            ("service/app.py", 3),
            ("service/settings.py", 4),
            ("service/settings.py", 5),
        ],
        "no-wildcard-origins": [
            ("service/app.py", 2),
            ("service/app.py", 4),
            ("service/settings.py", 6),
        ],
    }
