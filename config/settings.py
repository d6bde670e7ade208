"""One settings file, read from the environment.

Every variable is listed with its default in `.env.example` and in the README. The helpers below
raise ImproperlyConfigured on a value they cannot read, so a typo stops the process at start-up
instead of surfacing as odd behaviour later.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_days(name: str, default: list[int]) -> list[int]:
    """A comma-separated list of whole days, e.g. `14,7,1`; largest first, without repeats."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        days = {int(item) for item in raw.split(",") if item.strip()}
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be whole days separated by commas, not {raw!r}") from None
    if not days or min(days) < 0:
        raise ImproperlyConfigured(f"{name} must list days of 0 or more, not {raw!r}")
    return sorted(days, reverse=True)


def env_url(name: str, default: str) -> str:
    """An absolute http(s) URL, or empty."""
    raw = os.environ.get(name, default).strip()
    if raw and (urlsplit(raw).scheme not in {"http", "https"} or not urlsplit(raw).netloc):
        raise ImproperlyConfigured(f"{name} must be an http(s) URL, not {raw!r}")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_oidc_providers() -> dict[str, dict[str, object]]:
    """The OpenID Connect providers: `OIDC_PROVIDERS=helseid,entra` names them, and each name's
    `OIDC_<NAME>_…` variables (the name upper-cased, `-` as `_`) configure it. accounts/providers.py
    checks the entries (issuer, key, roles) when the app starts."""
    providers: dict[str, dict[str, object]] = {}
    for name in env_list("OIDC_PROVIDERS", []):
        prefix = "OIDC_" + name.upper().replace("-", "_") + "_"
        key = env_str(prefix + "PRIVATE_KEY", "")
        key_file = env_str(prefix + "PRIVATE_KEY_FILE", "")
        if key_file and not key:
            try:
                key = Path(key_file).read_text()
            except OSError as error:
                raise ImproperlyConfigured(f"{prefix}PRIVATE_KEY_FILE cannot be read: {error}") from None
        role_map = {}
        for item in env_list(prefix + "ROLE_MAP", []):
            value, sep, role = item.rpartition("=")
            if not sep or not value.strip():
                raise ImproperlyConfigured(f"{prefix}ROLE_MAP must be claim-value=role pairs, not {item!r}")
            role_map[value.strip()] = role.strip()
        providers[name] = {
            "issuer": env_str(prefix + "ISSUER", ""),
            "client_id": env_str(prefix + "CLIENT_ID", ""),
            "private_key": key,
            "key_id": env_str(prefix + "KEY_ID", ""),
            "signing_alg": env_str(prefix + "SIGNING_ALG", "RS256"),
            "label": env_str(prefix + "LABEL", name),
            "scopes": env_str(prefix + "SCOPES", "openid profile").split(),
            "name_claim": env_str(prefix + "NAME_CLAIM", "name"),
            "email_claim": env_str(prefix + "EMAIL_CLAIM", "email"),
            "role_claim": env_str(prefix + "ROLE_CLAIM", ""),
            "role_map": role_map,
        }
    return providers


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on-0123456789abcdef"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
# In every page's footer (config/context_processors.py): who owns the service, and where its
# accessibility statement (tilgjengelighetserklæring, e.g. on uustatus.no) is published.
SERVICE_OWNER = env_str("SERVICE_OWNER", "Helse Fonna HF").strip()
ACCESSIBILITY_STATEMENT_URL = env_url("ACCESSIBILITY_STATEMENT_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "reversion",
    "django_fsm",
    "rules",
    "accounts",
    "pathways",
    "governance",
    "feedback",
    "trafficlight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # The current page of a published pathway from per-process memory, before the rest of the stack.
    "pathways.middleware.CurrentPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# bench/ sets ROOT_URLCONF=bench.urls to add its bench-only baseline view; never set it in production.
ROOT_URLCONF = env_str("ROOT_URLCONF", "config.urls")
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site_footer",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL, else the embedded SQLite file in var/.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "forlop.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and broker: Redis from REDIS_URL, else process memory and kombu's filesystem transport.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "forlop"),
            # Short timeouts: the cache holds rate-limit counters, which fail open when Redis is down.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
# Short broker timeouts: a web request hands a task over after commit and must not hang on a broker
# that is down or not answering (the outbox row is already stored; beat hands it over again).
# visibility_timeout: a task a worker took but did not acknowledge (acks_late; the worker was killed
# mid-send) goes back to the queue after this long; workers look for such tasks every few seconds.
# No task here is scheduled with a countdown or ETA, and no retry waits, longer than half of it.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
    "max_retries": 0,  # the web request tries the broker once; beat hands over again later
    # Prefix of every key Celery keeps in Redis: lets several installations (or test runs) share one.
    "global_keyprefix": env_str("CELERY_BROKER_KEY_PREFIX", ""),
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True  # acknowledge after the task ran: a crashed worker's task is redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ... also when the worker process is killed mid-task
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_FILESYSTEM_DIR = VAR_DIR / "broker"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# On PostgreSQL: new outbox rows are handed to the broker by the outbox relay process
# (`manage.py outbox_relay`, governance.outbox.relay) instead of by the web process after commit.
OUTBOX_RELAY = env_bool("OUTBOX_RELAY", False)
# The queue tasks are sent to and workers consume by default; tests give each worker a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "pathways:index"
# How long a web process may keep serving a pathway's current version before looking again: a new
# version shows at once on the process that published it, within this many seconds on the others.
PAGE_LOOKUP_SECONDS = env_int("PAGE_LOOKUP_SECONDS", 2)
# Reader feedback: the fewest seconds a person needs to fill in the form, how many submissions one
# address may send per minute, and the window within which the same text from the same source is
# one proposal.
FEEDBACK_MIN_SECONDS = env_int("FEEDBACK_MIN_SECONDS", 3)
FEEDBACK_PER_MINUTE = env_int("FEEDBACK_PER_MINUTE", 5, minimum=1)
# Where pathways.throttle keeps its counters in the cache (the tests give each test its own).
RATELIMIT_KEY_PREFIX = "throttle:"
# "Was this page useful?": answers one address may send per minute (fails open like the feedback's).
USEFUL_PER_MINUTE = env_int("USEFUL_PER_MINUTE", 20, minimum=1)
FEEDBACK_DUPLICATE_MINUTES = env_int("FEEDBACK_DUPLICATE_MINUTES", 10, minimum=1)
# How many months after a proposal was closed its submitters' e-mail addresses are deleted and
# what looks like personal data in its text (and its history) is removed (`manage.py feedback_retention`).
FEEDBACK_RETENTION_MONTHS = env_int("FEEDBACK_RETENTION_MONTHS", 12, minimum=1)
# Staff log-in attempts allowed per IP address and per username in a 10-minute window; failed
# OpenID Connect sign-ins count against the address too.
LOGIN_ATTEMPTS_PER_10_MINUTES = env_int("LOGIN_ATTEMPTS_PER_10_MINUTES", 10, minimum=1)
# Sign-in through OpenID Connect providers (HelseID, Entra ID, ...): see env_oidc_providers above and
# the README. With none configured the log-in page has only the username and password form.
OIDC_PROVIDERS = env_oidc_providers()
# Seconds to wait for a provider's discovery document, keys and token endpoint.
OIDC_HTTP_TIMEOUT = env_int("OIDC_HTTP_TIMEOUT", 5, minimum=1)

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed file names need `collectstatic` first (make run does it); tests switch it off.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# E-mail: SMTP when EMAIL_HOST is set, else one file per message in var/mail/.
if env_str("EMAIL_HOST", ""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", ""),
                "port": env_int("EMAIL_PORT", 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "forlop@localhost")

# Security. With DEBUG off `manage.py check --deploy` reports nothing.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The log-in button and the log-out form post here and are redirected on to an OpenID provider;
# browsers check form-action on that redirect too, so the providers' origins are allowed.
SECURE_CSP["form-action"] += sorted(
    {"{0.scheme}://{0.netloc}".format(urlsplit(str(entry["issuer"]))) for entry in OIDC_PROVIDERS.values()}
)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Bounded pages (limit 1–100, offset 0–1,000,000); anything outside is a 400 problem.
    "DEFAULT_PAGINATION_CLASS": "pathways.pagination.LimitOffsetPagination",
    "UNAUTHENTICATED_USER": None,
    # Every error as RFC 9457 problem details (application/problem+json), in the request's language.
    "EXCEPTION_HANDLER": "pathways.problems.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Samhandlingsforløp API",
    "DESCRIPTION": (
        "The published collaboration pathways (read-only), reader feedback, and change proposals for staff.\n\n"
        "Every error is `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`, and for a "
        "400 `errors`, field name → messages. Messages are in the language of the `Accept-Language` header: "
        "nynorsk (`nn`) when asked for, bokmål (`nb`) otherwise. Pages: `limit` 1–100 (default 50), "
        "`offset` 0–1,000,000; a value outside, or a parameter given twice, is a 400."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
CSRF_FAILURE_VIEW = "pathways.views.csrf_failure"


# Reminders and digests (governance/reminders.py). Beat runs the sweep every 15 minutes; what is due
# is decided from the database clock in Europe/Oslo. Daily notices go out at or after REMINDER_HOUR
# (local time) on the day they are due; deadline reminders so many days before a phase's last day.
REMINDER_HOUR = env_int("REMINDER_HOUR", 7)
if REMINDER_HOUR > 23:
    raise ImproperlyConfigured(f"REMINDER_HOUR must be an hour from 0 to 23, not {REMINDER_HOUR}")
DIGEST_AFTER_DAYS = env_int("DIGEST_AFTER_DAYS", 2)
ESCALATE_AFTER_DAYS = env_int("ESCALATE_AFTER_DAYS", 14, minimum=1)
FORWARD_REMINDER_DAYS = env_days("FORWARD_REMINDER_DAYS", [14, 7, 1])
VOTE_REMINDER_DAYS = env_days("VOTE_REMINDER_DAYS", [7, 2, 1])
QUICK_FIX_REMINDER_DAYS = env_int("QUICK_FIX_REMINDER_DAYS", 3)
UNDECIDED_REMINDER_DAYS = env_days("UNDECIDED_REMINDER_DAYS", [7, 1])

# A claim on a notice older than this is taken to belong to a worker that died mid-send, and the
# notice may be claimed again. It must be longer than a send can take (MAILERS' timeout is per SMTP
# command); it defaults to the visibility timeout, at most 15 minutes, so that a redelivered task
# finds the claim stale.
NOTIFICATION_CLAIM_STALE_SECONDS = env_int(
    "NOTIFICATION_CLAIM_STALE_SECONDS", min(900, CELERY_VISIBILITY_TIMEOUT), minimum=1
)
# Attempts per notice before it is marked failed; the wait before attempt n+1 is about
# NOTIFICATION_RETRY_SECONDS * 2**(n-1) with jitter, at most NOTIFICATION_RETRY_MAX_SECONDS and never
# more than half the visibility timeout.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATION_RETRY_SECONDS = env_int("NOTIFICATION_RETRY_SECONDS", 30, minimum=1)
NOTIFICATION_RETRY_MAX_SECONDS = env_int("NOTIFICATION_RETRY_MAX_SECONDS", 1800, minimum=1)

# Webhooks (governance.outbox.webhooks): each published version is POSTed, signed, to every active
# subscription. Attempts, backoff and the stale claim work as for e-mail notices (the same code,
# governance.outbox.delivery), with settings of their own. A receiver has WEBHOOK_TIMEOUT_SECONDS to
# answer. Only http(s) URLs to public addresses are taken, unless WEBHOOK_ALLOW_PRIVATE (for tests
# and a receiver on the same private network): then localhost and private addresses are allowed too.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 60, minimum=1)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 1800, minimum=1)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
