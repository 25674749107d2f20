"""Tandem settings: every value comes from the environment through django-environ.

Local development (``make run``) sets ``DJANGO_DEBUG=1`` and needs nothing else: SQLite in the
project folder and Celery's filesystem transport as an embedded broker. Production (DEBUG off)
refuses to start without a real secret key and allowed hosts.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
import phonenumbers
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _env(reader, name: str, **kwargs):
    """Read one variable; a malformed value stops start-up with the variable's name."""
    try:
        return reader(name, **kwargs)
    except (ValueError, TypeError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"{name} is invalid: {exc}") from exc


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    """A strict boolean: a typo like ``DJANGO_DEBUG=ture`` stops start-up."""
    raw = env.str(name, default="1" if default else "0").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} is invalid: {raw!r} is not a boolean (use 1 or 0).")
    return raw in _TRUE


DEBUG = _bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-" + "x" * 20
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS: list[str] = _env(
    env.list, "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off."
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is too weak: use at least 50 random characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

CSRF_TRUSTED_ORIGINS = _env(env.list, "DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before whitenoise's runserver: ops' runserver (whitenoise's, without Nagle's delay) wins.
    "ops",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_htmx",
    "simple_history",
    "axes",
    "org",
    "leads",
    "deals",
    "feedback",
    "kpi",
]

MIDDLEWARE = [
    # Operations first: a request id for every log line, probes and scrapes answered before
    # host checks and https redirects, every request counted and timed (ops/middleware.py).
    "ops.middleware.RequestIdMiddleware",
    "ops.middleware.OpsEndpointsMiddleware",
    "ops.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "config.headers.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "org.middleware.RememberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its 429
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "org.context_processors.navigation",
                "ops.context_processors.operations",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_database_url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": env.db_url_config(_database_url)}
except (ValueError, KeyError, ImproperlyConfigured) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is invalid: {exc}") from exc
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured("DATABASE_URL is invalid: unknown scheme.")
DATABASES["default"]["CONN_MAX_AGE"] = _env(env.int, "DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The hand-written statements of the hot paths (``org.sql.execute``, e.g. intake's one
    # write) run as prepared statements with a generic plan: PostgreSQL parsed and planned
    # intake's write, a few CTEs, on every request for longer than it ran it. Only those
    # statements are ever prepared (the ORM binds its values client-side), so the plan mode
    # touches nothing else. Off (0) behind a connection pooler in transaction mode that
    # does not track prepared statements (PgBouncer before 1.21).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if _bool("DATABASE_PREPARED_STATEMENTS", default=True):
        _options["prepare_threshold"] = 5  # psycopg's default; Django turns it off
        _options["options"] = " ".join(
            filter(None, [_options.get("options"), "-c plan_cache_mode=force_generic_plan"])
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The local run has a web server, a worker and beat writing to one file: wait for locks
    # instead of failing, take the write lock up front, and let readers run beside the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

# --- Redis, cache, Celery ---------------------------------------------------------------------
REDIS_URL: str = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tandem",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object]
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
else:
    # The embedded broker: messages are files under var/, so the local run needs no service.
    for _folder in ("queue", "processed"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # kombu's exchange tables; left to default they land in ./control of the project root
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task gets the task redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
SLA_SWEEP_SECONDS = _env(env.float, "SLA_SWEEP_SECONDS", default=30.0)
if SLA_SWEEP_SECONDS <= 0:
    raise ImproperlyConfigured("SLA_SWEEP_SECONDS must be positive.")
# Touches a lead needs before it may be closed as "no response" (docs/api.md, Leads).
NO_RESPONSE_MIN_ATTEMPTS = _env(env.int, "NO_RESPONSE_MIN_ATTEMPTS", default=3)
# Personal data of disqualified leads is erased this many days after they were closed
# (leads.services.privacy; 0, the default, keeps it until someone erases it on request).
PII_RETENTION_DAYS = _env(env.int, "PII_RETENTION_DAYS", default=0)
if PII_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("PII_RETENTION_DAYS must be 0 (off) or a number of days.")
# How often the queue page's live panel refreshes (it pauses while someone types in it).
QUEUE_REFRESH_SECONDS = 15
# Hour (0-23, in the Celery clock's time zone) of the nightly lead scoring training.
SCORING_TRAIN_HOUR = _env(env.int, "SCORING_TRAIN_HOUR", default=2)
if not 0 <= SCORING_TRAIN_HOUR <= 23:
    raise ImproperlyConfigured("SCORING_TRAIN_HOUR must be an hour, 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {
        "task": "leads.tasks.sla_sweep",
        "schedule": timedelta(seconds=SLA_SWEEP_SECONDS),
    },
    "sla-sweep-watchdog": {
        "task": "ops.tasks.sla_sweep_watchdog",
        "schedule": timedelta(seconds=SLA_SWEEP_SECONDS),
    },
    "pii-retention": {
        "task": "leads.tasks.pii_retention",
        "schedule": timedelta(hours=1),
    },
    "import-jobs-sweep": {
        "task": "leads.tasks.import_jobs_sweep",
        "schedule": timedelta(minutes=1),
    },
    "notifications-flush": {
        "task": "org.tasks.notifications_flush",
        "schedule": timedelta(minutes=1),
    },
    "expired-tokens-sweep": {
        "task": "org.tasks.expired_tokens_sweep",
        "schedule": timedelta(hours=1),
    },
    "kpi-period-end": {
        "task": "kpi.tasks.period_end_sweep",
        "schedule": timedelta(hours=1),
    },
    # Lead scoring: retrain on the day's closed leads and rescore the open ones, nightly.
    "train-scoring": {
        "task": "leads.tasks.train_scoring",
        "schedule": crontab(hour=SCORING_TRAIN_HOUR, minute=30),
    },
}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username + address
    "django.contrib.auth.backends.ModelBackend",
]
# Login protection on every way in (org/auth.py): per username + client address.
LOGIN_FAILURE_LIMIT = _env(env.int, "LOGIN_FAILURE_LIMIT", default=10)
LOGIN_COOLOFF_MINUTES = _env(env.int, "LOGIN_COOLOFF_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be positive.")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.rest.client_address"
AXES_LOCKOUT_CALLABLE = "org.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the cool-off runs from the lockout
AXES_DISABLE_ACCESS_LOG = True  # failed attempts only; successful logins are not logged
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18N ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE is invalid: {TIME_ZONE!r}") from exc
USE_I18N = True
USE_TZ = True

# The company calendar's public holidays (the ``holidays`` package); empty = none.
HOLIDAYS_COUNTRY = env.str("HOLIDAYS_COUNTRY", default="RU").strip().upper()
if HOLIDAYS_COUNTRY:
    import holidays

    if HOLIDAYS_COUNTRY not in holidays.list_supported_countries():
        raise ImproperlyConfigured(
            f"HOLIDAYS_COUNTRY is invalid: {HOLIDAYS_COUNTRY!r} is not a country the holidays "
            "package knows (ISO 3166-1 alpha-2, e.g. RU), or empty for none."
        )

# The company's currency: new deals default to it and report totals (revenue, pools, cost) are
# shown in it. A deal may carry another currency; its own amounts show that one.
CURRENCY = env.str("CURRENCY", default="RUB").strip().upper()
if not re.fullmatch(r"[A-Z]{3}", CURRENCY):
    raise ImproperlyConfigured(f"CURRENCY is invalid: {CURRENCY!r} is not a three-letter code.")

PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU").upper()
if PHONE_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"PHONE_DEFAULT_REGION is invalid: {PHONE_DEFAULT_REGION!r} is not a region code."
    )

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = _env(env.path, "MEDIA_ROOT", default=str(BASE_DIR / "media"))

# --- E-mail -------------------------------------------------------------------------------------
if env.str("EMAIL_URL", default="") or not DEBUG:
    EMAIL_CONFIG = _env(env.email_url, "EMAIL_URL", default="smtp://localhost:25")
    vars().update(EMAIL_CONFIG)
else:
    # Local run: every e-mail becomes a file under var/mail instead of flooding the console.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production) ---------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = _bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = _env(env.int, "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): nothing may load or run unless listed. Scripts come only
# from our own static files (no inline <script>, no on...= handlers, no eval: htmx runs with
# allowEval off, templates/base.html), so an injected tag or attribute cannot run.
# Styles: <style> elements and stylesheets only from our own files too (style-src-elem), but
# style="" attributes stay allowed (style-src-attr 'unsafe-inline'): templates still set
# widths of bars and similar one-off values that way, and an attribute can neither run script
# nor, without a <style> element, carry selector-based data theft. style-src keeps both for
# browsers that do not know the -elem/-attr split. The API docs page (Swagger UI) adds what it
# needs for itself only (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    },
}
# Permissions-Policy: every powerful browser feature is off; a CRM page needs none of them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "clipboard-write",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "sync-xhr",
        "usb",
        "web-share",
        "xr-spatial-tracking",
    )
}

# --- REST API -----------------------------------------------------------------------------------
THROTTLE_AUTH = env.str("THROTTLE_AUTH", default="20/min")
THROTTLE_INTAKE = env.str("THROTTLE_INTAKE", default="30/min")
for _name, _rate in (("THROTTLE_AUTH", THROTTLE_AUTH), ("THROTTLE_INTAKE", THROTTLE_INTAKE)):
    _num, _, _period = _rate.partition("/")
    if not _num.isdigit() or not _period or _period[0] not in "smhd":
        raise ImproperlyConfigured(f"{_name} is invalid: {_rate!r} (expected e.g. '30/min').")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "org.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.rest.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.rest.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": THROTTLE_AUTH, "intake": THROTTLE_INTAKE},
    "NUM_PROXIES": _env(env.int, "DJANGO_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

TOKEN_TTL_HOURS = _env(env.float, "TOKEN_TTL_HOURS", default=10.0)
if TOKEN_TTL_HOURS <= 0:
    raise ImproperlyConfigured("TOKEN_TTL_HOURS must be positive.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "One funnel for marketing and sales: leads, SLA queue, deals, feedback, KPIs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error responses (400/401/403/404/409/413/429), documented in one place.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "leads.models.Lead.Status",
        "LeadDefinitionStatusEnum": "leads.models.LeadDefinition.Status",
        "DealStatusEnum": "deals.models.Deal.Status",
    },
}

# --- Domain settings ------------------------------------------------------------------------------
REPORT_MAX_DAYS = _env(env.int, "REPORT_MAX_DAYS", default=3660)
CSV_IMPORT_MAX_ROWS = _env(env.int, "CSV_IMPORT_MAX_ROWS", default=10000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Operations: logs, metrics, probes, error reporting (ops/, README "Running in production") --
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT is invalid: {LOG_FORMAT!r} (use plain or json).")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

METRICS_ALLOWED_IPS: list[str] = _env(env.list, "METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
try:
    import ipaddress

    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(item.strip(), strict=False) for item in METRICS_ALLOWED_IPS
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS is invalid: {exc}") from exc
READINESS_TIMEOUT = _env(env.float, "READINESS_TIMEOUT", default=2.0)
if not 0 < READINESS_TIMEOUT <= 30:
    raise ImproperlyConfigured("READINESS_TIMEOUT must be between 0 and 30 seconds.")

SENTRY_DSN = env.str("SENTRY_DSN", default="").strip()
if SENTRY_DSN:
    from ops.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=_env(env.float, "SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
