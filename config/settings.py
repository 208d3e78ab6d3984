"""Settings for the claim-and-attribution tracker, read from the environment (see README)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.database import configure, database
from config.env import env_bool, env_cache, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "django-insecure-development-only-key-never-used-when-debug-is-off"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of 50+ characters when DEBUG is off "
        "(for development, set DEBUG=true instead)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_tasks_db",
    "sources",
    "claims",
    "suggestions",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before any view: a path or query with a control character (NUL...) is a 400.
    "api.middleware.RefuseControlCharactersMiddleware",
    "api.middleware.JsonApiNotFoundMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # After a successful write request commits, enqueue the webhook dispatcher (a background task).
    "claims.webhooks.WebhookDispatchMiddleware",
]

# The benchmark's own server (bench/runner.py) adds its raw-SQL floor views (bench/urls.py); the
# product's URLs never include them.
ROOT_URLCONF = "bench.urls" if env_bool("BENCH_FLOOR", False) else "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, or an SQLite file in the project so a newcomer needs no server.
# PostgreSQL connections are pooled per process by default; DB_POOLER, DB_POOL_MIN/MAX and
# CONN_MAX_AGE choose otherwise (config/database.py has the rules and the sizing rule).
DATABASES = {"default": database(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so select_for_update-style races serialise.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

# Read replicas (comma-separated URLs): reads go there, writes and migrations to default.
_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
if _REPLICA_URLS:
    from config.routers import replica_databases

    DATABASES.update(
        {alias: configure(entry) for alias, entry in replica_databases(_REPLICA_URLS).items()}
    )
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (Index.include) serve PostgreSQL, the production database; SQLite builds the
# same index without the included columns, which only makes it a little slower there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic writes here; the bench points its server at a directory of its own.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
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
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "admin:login"

# Domain settings.
# Relative tolerance for "approximately n" figures: [n(1-t), n(1+t)].
FIGURE_APPROXIMATE_TOLERANCE = env_float("FIGURE_APPROXIMATE_TOLERANCE", 0.15)
if not 0 <= FIGURE_APPROXIMATE_TOLERANCE < 1:
    raise ImproperlyConfigured("FIGURE_APPROXIMATE_TOLERANCE must be at least 0 and below 1.")

# Whether a reviewer may approve evidence they proposed themselves (small teams); by default a
# second person must approve every change to a published claim's evidence.
REVIEW_ALLOW_SELF_APPROVAL = env_bool("REVIEW_ALLOW_SELF_APPROVAL", False)

# Cache for the API throttles: local memory by default (one process: `runserver`, tests), Redis
# when CACHE_URL is set, which every worker and machine then shares. Neither needs a table.
CACHES = {"default": env_cache("CACHE_URL")}
# Conditional reads (api.conditional): anonymous public responses say `public,
# max-age=PUBLIC_MAX_AGE, must-revalidate` (seconds a shared cache may serve them unrevalidated),
# and their rendered bodies are kept in CONDITIONAL_CACHE for CONDITIONAL_CACHE_TIMEOUT seconds
# under their ETag (a change to what they show changes the ETag, so nothing stale is served).
PUBLIC_MAX_AGE = env_int("PUBLIC_MAX_AGE", 30)


def _cache_of_its_own(prefix: str, max_entries: int) -> dict:
    """A cache beside the default one: a local-memory cache of its own (at most `max_entries`),
    or the same Redis under its own key prefix."""
    local = CACHES["default"]["BACKEND"].endswith("LocMemCache")
    return {
        **env_cache("CACHE_URL"),
        "KEY_PREFIX": prefix,
        **({"LOCATION": prefix, "OPTIONS": {"MAX_ENTRIES": max_entries}} if local else {}),
    }


# Its own cache, so response bodies never crowd out the throttles' counters.
CACHES["conditional"] = _cache_of_its_own("conditional", 2000)
CONDITIONAL_CACHE = "conditional"
CONDITIONAL_CACHE_TIMEOUT = env_int("CONDITIONAL_CACHE_TIMEOUT", 300)
# Work kept under the version of what it reads (api.conditional.once_per_version: the
# comparison over an event's figures), shared by every page and format that shows it. Its own
# cache too: it neither crowds out the throttles' counters nor goes when response bodies do.
CACHES["derived"] = _cache_of_its_own("derived", 1000)
DERIVED_CACHE = "derived"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "api.authentication.CookieSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ModelPermissions"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.RememberedContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousRateThrottle",
        "api.throttling.SignedInRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Claim-and-attribution tracker API",
    "DESCRIPTION": "Who said what, where it was reported, when, and which way it leans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response shapes differ (ids in, {id, name} out): separate components.
    "COMPONENT_SPLIT_REQUEST": True,
    # Deep links put a link inside each operation's toggle button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.strict_and_json_first",
    ],
    "ENUM_NAME_OVERRIDES": {
        # Events, documents and figures share one precision choice set.
        "DatePrecisionEnum": "sources.dates.DatePrecision",
        # Two choice sets share the field name "status": the claims keep "StatusEnum".
        "StatusEnum": "claims.models.claim.Status",
        "WebhookDeliveryStatusEnum": "claims.models.webhook.DeliveryStatus",
        # Outlets and actors both have a `kind`, with different choices: one enum each.
        "OutletKindEnum": "sources.models.OutletKind",
        "ActorKindEnum": "sources.models.ActorKind",
    },
}
# Request bodies above this size are refused (413 in the API).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Fields in one form post: enough for an admin page with its 100 inline rows (curation.admin)
# of about 20 fields each, and no more.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 2500)

# django-axes: lock an account/IP pair out after repeated failed logins. Its attempts live in its
# own tables (created by migrate, shared by every worker), not in the cache.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Webhooks for API consumers (claims/webhooks.py; README, "Webhooks").
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5)  # per delivery
WEBHOOK_MAX_FAILURES = env_int("WEBHOOK_MAX_FAILURES", 10)  # consecutive, then switched off
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)  # doubles each retry
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)
if WEBHOOK_MAX_ATTEMPTS < 1 or WEBHOOK_MAX_FAILURES < 1:
    raise ImproperlyConfigured("WEBHOOK_MAX_ATTEMPTS and WEBHOOK_MAX_FAILURES must be at least 1.")

# Security headers. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_ENABLED=true.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload directive only allows submitting the domain to the browsers' list; it submits nothing.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

# Background work (bulk imports: extraction and suggestions) goes through Django's tasks framework.
# The default stores tasks in this database and `manage.py db_worker` runs them; across machines,
# set TASKS_BACKEND=django_tasks_rq.RQBackend (django-tasks-rq, with Redis) instead. Tests use
# django.tasks.backends.immediate.ImmediateBackend where they need the result at once.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
