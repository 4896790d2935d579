"""Settings for readiness. Every value can come from the environment; without it the
embedded defaults apply: SQLite and Celery's filesystem broker, so no server is needed."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from checks.sandbox import SANDBOX_KINDS
from readiness.broker import EMBEDDED_URL, filesystem_transport_options
from readiness.env import (
    envaddress,
    envbool,
    envchoice,
    envint,
    envlist,
    envnetworks,
    envsecret,
    envstr,
    local_url,
)
from readiness.routing import SCAN_TASKS, scan_queue_name
from readiness.sso.config import SIGN_ALGORITHMS, oidc_issuer, oidc_name, oidc_team_rules

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("READINESS_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envsecret("SECRET_KEY", DATA_DIR / "secret-key")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "csp",
    "axes",
    # django-ninja: the API's interactive docs use its bundled Swagger UI (no CDN).
    "ninja",
    "readiness",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "readiness.middleware.TimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "readiness.middleware.HtmxLoginRedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "readiness.urls"
WSGI_APPLICATION = "readiness.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_SQLITE_PATH = DATA_DIR / "readiness.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL", default=f"sqlite:///{_SQLITE_PATH}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the workers write at once: WAL lets readers go on while one
    # writes, IMMEDIATE takes the write lock at BEGIN (no upgrade deadlock), and the
    # timeout makes a writer wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-readiness.sqlite3")}

AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "readiness:overview"
LOGOUT_REDIRECT_URL = "login"

# Login attempts (django-axes): after READINESS_LOGIN_FAILURE_LIMIT failures of one username
# from one address, that pair is refused for READINESS_LOGIN_COOLOFF_MINUTES (another
# address still logs in, so nobody can lock a user out from afar). `axes_reset` lifts it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = envint("READINESS_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("READINESS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "readiness.login_limits.lockout_response"
# The client's address: REMOTE_ADDR, or the header a trusted proxy sets when one is named.
AXES_CLIENT_IP_CALLABLE = "readiness.login_limits.client_ip"
READINESS_CLIENT_IP_HEADER = envstr("READINESS_CLIENT_IP_HEADER", "")

# Single sign-on with OpenID Connect (mozilla-django-oidc), on when READINESS_OIDC_ISSUER is
# set; local accounts keep working beside it. The provider's endpoints come from its
# discovery document at the first sign-in, kept READINESS_OIDC_DISCOVERY_SECONDS; nothing
# but that provider is contacted. READINESS_OIDC_TEAM_MAP turns claims into team roles at
# each sign-in (syntax in readiness/sso/team_map.py). See the README's "Single sign-on".
READINESS_OIDC_ISSUER = oidc_issuer("READINESS_OIDC_ISSUER")
READINESS_OIDC_NAME = oidc_name("READINESS_OIDC_NAME", READINESS_OIDC_ISSUER)
READINESS_OIDC_TEAM_RULES = oidc_team_rules("READINESS_OIDC_TEAM_MAP", READINESS_OIDC_ISSUER)
READINESS_OIDC_DISCOVERY_SECONDS = envint("READINESS_OIDC_DISCOVERY_SECONDS", 3600, minimum=0)
OIDC_RP_CLIENT_ID = envstr("READINESS_OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = envstr("READINESS_OIDC_CLIENT_SECRET", "")
if READINESS_OIDC_ISSUER:
    for _name, _value in [
        ("READINESS_OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
        ("READINESS_OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
    ]:
        if not _value:
            raise ImproperlyConfigured(
                f"{_name} is empty: single sign-on (READINESS_OIDC_ISSUER) needs the client "
                "id and secret the provider gave this application"
            )
    AUTHENTICATION_BACKENDS.append("readiness.sso.backend.SsoBackend")
OIDC_RP_SIGN_ALGO = envchoice(
    "READINESS_OIDC_SIGN_ALGORITHM", "rs256", [a.lower() for a in SIGN_ALGORITHMS]
).upper()
OIDC_RP_SCOPES = envstr("READINESS_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = envint("READINESS_OIDC_TIMEOUT_SECONDS", 10, minimum=1)
OIDC_VERIFY_SSL = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"

# HTTPS, for a deployment behind a proxy that terminates TLS. The proxy must set
# X-Forwarded-Proto itself on every request (overwriting whatever the client sent):
# Django believes it.
READINESS_HTTPS = envbool("READINESS_HTTPS", False)
if READINESS_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP and expect 200, not a redirect.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = envint("READINESS_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    # Covers only the names under readiness's own host name (e.g. *.readiness.example.com).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Preloading asks browsers to hard-code HTTPS for the whole registered domain and all its
# subdomains, a decision for the domain's owner, not for one service on it: never sent,
# so Django's reminder that it is off is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): scripts and styles only from our own static files,
# no inline script, no eval. Data for charts is JSON in <script type="application/json">,
# which is never executed. plotly.js (4.1.1, from plotly==7.1.0) needs no eval for our
# charts; it adds two <style> elements that the policy allows by their hashes, nothing else:
# an empty one whose rules it then inserts through the CSSOM (which CSP does not govern),
# and MapLibre's stylesheet, injected when the bundle loads. Its inline styles on elements
# are set through the CSSOM too, so style-src-attr needs no 'unsafe-inline'.
PLOTLY_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # <style></style>
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # .maplibregl-map{…}
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *PLOTLY_STYLE_HASHES],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# plotly.js comes from the installed plotly package (served as static/plotly/plotly.min.js),
# so the repository does not carry a 4 MB copy and no CDN is needed.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(plotly.__file__).resolve().parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: Redis when REDIS_URL is set, otherwise the embedded broker (readiness/broker.py:
# kombu's filesystem transport, made safe against a process killed at any instant).
# See readiness/celery.py for the worker pool and how crashes are recovered.
REDIS_URL = envstr("REDIS_URL", "")
BROKER_DIR = Path(envstr("READINESS_BROKER_DIR", str(DATA_DIR / "broker"))).resolve()
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis re-delivers an unacknowledged message after this; the sweeper acts sooner.
        "visibility_timeout": envint("READINESS_LEASE_SECONDS", 300) * 2,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
else:
    CELERY_BROKER_URL = EMBEDDED_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_transport_options(BROKER_DIR)
# Two queues (readiness/queue.py): the task queue for what waits (slow checks,
# notifications, beat's tasks) and "<queue>-scan" for what keeps a core busy (file scans,
# backfill). bin/worker starts one worker of each role: "io", a pool of threads on the task
# queue, and "scan", a pool of processes (one per core) on the scan queue.
CELERY_TASK_DEFAULT_QUEUE = envstr("READINESS_QUEUE", "celery")
READINESS_SCAN_QUEUE = scan_queue_name(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = {name: {"queue": READINESS_SCAN_QUEUE} for name in sorted(SCAN_TASKS)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
READINESS_WORKER_ROLE = envchoice("READINESS_WORKER_ROLE", "io", ("io", "scan"))
READINESS_SCAN_CONCURRENCY = envint(
    "READINESS_SCAN_CONCURRENCY", len(os.sched_getaffinity(0)), minimum=1
)
if READINESS_WORKER_ROLE == "scan":
    # Processes: a scan holds the interpreter for its whole run, so threads would take turns.
    CELERY_WORKER_POOL = "prefork"
    CELERY_WORKER_CONCURRENCY = READINESS_SCAN_CONCURRENCY
else:
    CELERY_WORKER_POOL = envstr("READINESS_WORKER_POOL", "threads")
    CELERY_WORKER_CONCURRENCY = envint("READINESS_WORKER_CONCURRENCY", 32, minimum=1)
# Checks already running write their results to the database, not the broker: a broker
# outage must not cancel them.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for the broker to come back
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
READINESS_SWEEP_SECONDS = envint("READINESS_SWEEP_SECONDS", 30, minimum=1)
# The DatabaseScheduler loads this into its PeriodicTask table at start.
CELERY_BEAT_SCHEDULE = {
    "readiness-sweep-leases": {
        "task": "readiness.tasks.sweep_leases",
        "schedule": float(READINESS_SWEEP_SECONDS),
        "options": {"expires": float(READINESS_SWEEP_SECONDS)},
    },
    # Approved waivers whose date has passed become `expired`, with an audit entry. They
    # stop counting at their date whatever this does: this only records it.
    "readiness-expire-waivers": {
        "task": "readiness.tasks.expire_waivers",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Notifications: attestations about to expire, scheduled runs that did not happen, and
    # deliveries whose message was lost (readiness/services/notify.py).
    "readiness-notify-sweep": {
        "task": "readiness.tasks.notify_sweep_task",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Campaigns reach every project they cover on their start day (readiness/services/
    # campaigns.py), not only at each project's next assessment.
    "readiness-campaigns-start": {
        "task": "readiness.tasks.campaigns_start_task",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    # The running totals of /metrics (readiness/services/metrics_rollup.py): a scrape
    # aggregates only what settled since, so its cost follows this period, not history.
    "readiness-metrics-rollup": {
        "task": "readiness.tasks.metrics_rollup_task",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
}

# The web server: the Procfile's gunicorn listens on READINESS_BIND; this machine reaches it
# at READINESS_LOCAL_URL (the demo's message and the demo's http check use it).
_BIND_HOST, _BIND_PORT = envaddress("READINESS_BIND", "127.0.0.1:8000")
READINESS_BIND = f"{_BIND_HOST}:{_BIND_PORT}"
READINESS_LOCAL_URL = local_url(_BIND_HOST, _BIND_PORT)

# The check engine.
READINESS_ALLOW_COMMANDS = envbool("READINESS_ALLOW_COMMANDS", False)
# How command checks are confined (checks.sandbox): bubblewrap, or none at all.
READINESS_COMMAND_SANDBOX = envchoice("READINESS_COMMAND_SANDBOX", "bubblewrap", SANDBOX_KINDS)
READINESS_COMMAND_MEMORY_MB = envint("READINESS_COMMAND_MEMORY_MB", 2048, minimum=64)
READINESS_COMMAND_MAX_PROCESSES = envint("READINESS_COMMAND_MAX_PROCESSES", 512, minimum=16)
READINESS_MAX_FILE_BYTES = envint("READINESS_MAX_FILE_BYTES", 2 * 1024 * 1024, minimum=1)
READINESS_PATTERN_SECONDS = envint("READINESS_PATTERN_SECONDS", 10, minimum=1)
READINESS_GIT_CACHE_DIR = Path(envstr("READINESS_GIT_CACHE_DIR", str(DATA_DIR / "git-cache")))
READINESS_LEASE_SECONDS = envint("READINESS_LEASE_SECONDS", 300, minimum=5)
READINESS_MAX_ATTEMPTS = envint("READINESS_MAX_ATTEMPTS", 3, minimum=1)
# A check still running this long past its own bound (timeout_s, the fetch of its source,
# a scan's budget) is stored as timed out by the worker's watchdog (readiness/watchdog.py).
READINESS_HARD_LIMIT_MARGIN_SECONDS = envint("READINESS_HARD_LIMIT_MARGIN_SECONDS", 30, minimum=1)
# Networks http checks and threshold URLs may not reach, on top of checks.outbound's
# defaults; and, when given, the only networks they may reach (denied ones excepted).
READINESS_OUTBOUND_DENY = envnetworks("READINESS_OUTBOUND_DENY") or ()
READINESS_OUTBOUND_ALLOW = envnetworks("READINESS_OUTBOUND_ALLOW")
# Notifications (readiness/services/notify.py): attempts per delivery (with a backoff
# between them), how late a scheduled run may start before it is reported missed, and
# the dashboard's public address, so that notifications link to it (empty: paths only).
READINESS_NOTIFY_MAX_ATTEMPTS = envint("READINESS_NOTIFY_MAX_ATTEMPTS", 5, minimum=1)
READINESS_NOTIFY_MISSED_GRACE_SECONDS = envint(
    "READINESS_NOTIFY_MISSED_GRACE_SECONDS", 900, minimum=60
)
READINESS_PUBLIC_URL = envstr("READINESS_PUBLIC_URL", "")
# The starter checklists offered when a project is added from the dashboard.
READINESS_STARTERS_DIR = BASE_DIR / "checklists"
READINESS_MAX_UPLOAD_BYTES = envint("READINESS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
# POST /api/v1/assess (CI): the largest tarball of a working tree it takes, the most
# members and unpacked bytes it unpacks (tar bombs stop there), and the longest its slow
# checks may wait in all (it answers synchronously; a checklist needing longer is refused).
READINESS_API_TARBALL_MAX_BYTES = envint(
    "READINESS_API_TARBALL_MAX_BYTES", 50 * 1024 * 1024, minimum=1024
)
READINESS_API_TARBALL_MAX_FILES = envint("READINESS_API_TARBALL_MAX_FILES", 20000, minimum=1)
READINESS_API_TARBALL_MAX_UNPACKED_BYTES = envint(
    "READINESS_API_TARBALL_MAX_UNPACKED_BYTES", 500 * 1024 * 1024, minimum=1024
)
READINESS_API_ASSESS_SECONDS = envint("READINESS_API_ASSESS_SECONDS", 120, minimum=1)
# Waivers: how far ahead a waiver's `until` may be, and the team role that may approve or
# deny one (never the requester; a superuser always may).
READINESS_WAIVER_MAX_DAYS = envint("READINESS_WAIVER_MAX_DAYS", 180, minimum=1)
READINESS_WAIVER_APPROVER_ROLE = envchoice(
    "READINESS_WAIVER_APPROVER_ROLE", "admin", ("admin", "editor")
)

# Prometheus metrics (/metrics): the networks that may scrape every project without a token
# (a `metrics` token sees its team's projects from anywhere), e.g. "127.0.0.1,10.0.0.0/8";
# and how far ahead an attestation's end counts as expiring.
READINESS_METRICS_ALLOW = envnetworks("READINESS_METRICS_ALLOW") or ()
READINESS_METRICS_EXPIRING_DAYS = envint("READINESS_METRICS_EXPIRING_DAYS", 14, minimum=1)

# Retention (readiness/services/retention.py): past this many days, a point keeps its
# per-category rows and only the per-check rows where a check changed. 0 (the default):
# off, everything is kept. Applied by `manage.py retention`, and daily by beat when
# READINESS_RETENTION_BEAT is on.
READINESS_RETENTION_MIN_DAYS = 7
READINESS_RETENTION_DAYS = envint("READINESS_RETENTION_DAYS", 0, minimum=0)
if 0 < READINESS_RETENTION_DAYS < READINESS_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"READINESS_RETENTION_DAYS={READINESS_RETENTION_DAYS}: give 0 (off) or at least "
        f"{READINESS_RETENTION_MIN_DAYS} days, so that the last week keeps its evidence"
    )
READINESS_RETENTION_BEAT = envbool("READINESS_RETENTION_BEAT", False)
if READINESS_RETENTION_BEAT:
    if not READINESS_RETENTION_DAYS:
        raise ImproperlyConfigured(
            "READINESS_RETENTION_BEAT is on but READINESS_RETENTION_DAYS is 0 (off): "
            "set the number of days to keep, or turn the beat entry off"
        )
    CELERY_BEAT_SCHEDULE["readiness-retention"] = {
        "task": "readiness.tasks.retention_task",
        "schedule": 86400.0,
        "options": {"expires": 3600.0},
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
