"""cptref settings: one module, read from the environment, safe by default.

Local use: `make run` exports DJANGO_DEBUG=true. Production: set DJANGO_DEBUG=false (the default),
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; HTTPS settings follow from DEBUG being off.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use true or false")


def env_list(name, default):
    raw = os.environ.get(name, "")
    return [item.strip() for item in raw.split(",") if item.strip()] or default


DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Tests run with DJANGO_TESTING set by pytest's settings (pyproject.toml) so they need no secret.
TESTING = env_bool("DJANGO_TESTING", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-local-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "axes",
    "simple_history",
    "codes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "codes.middleware.LoginRequiredMiddleware",
    "codes.page_cache.PublicPageCacheMiddleware",
    "axes.middleware.AxesMiddleware",  # keep last: it turns a locked-out login into the lockout response
]

ROOT_URLCONF = "cptref.urls"
WSGI_APPLICATION = "cptref.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL is set (postgres://… uses psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=600, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA busy_timeout = 5000;", transaction_mode="IMMEDIATE"
    )

elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Search forgives small typos with pg_trgm word similarity (codes/search.py): "iontoforesis" scores 0.59.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c pg_trgm.word_similarity_threshold=0.5")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production; tests and DEBUG need no collectstatic run.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: HTTPS-only settings whenever DEBUG is off; the reverse proxy terminates TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): our own files only, no inline script or style anywhere, public pages
# and admin alike (Django 5.2's admin needs no inline code for cptref's ModelAdmins; tests/test_security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Admin sign-in throttling (django-axes): 5 failed logins for one username from one address lock that pair out
# for an hour (HTTP 429). Tests turn it off (the test client's login() has no request); tests/test_security.py
# turns it back on for the lockout tests.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out credentials before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = not TESTING
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner on every management command
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the Nth address from the right.
# 0 (the default) uses REMOTE_ADDR, which behind a proxy is the proxy itself: then the lockout is per username.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", 0))
AXES_CLIENT_IP_CALLABLE = "cptref.client_ip.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Everything, including django.request's 500 tracebacks, to stdout for the process manager to collect.
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

CODES_PER_PAGE = 25
# Public pages for anonymous billers are cached in each process's memory; any content change empties the cache
# everywhere at once (codes/page_cache.py), so the time limit only bounds memory use. 0 turns it off.
CPTREF_PAGE_CACHE_SECONDS = int(os.environ.get("CPTREF_PAGE_CACHE_SECONDS", 0 if TESTING else 600))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CPTREF_PAGE_CACHE_ENTRIES", 2000))},
    }
}
# A clinic that wants the reference behind a login sets CPTREF_LOGIN_REQUIRED=1 (admin accounts sign in).
CPTREF_LOGIN_REQUIRED = env_bool("CPTREF_LOGIN_REQUIRED", default=False)
LOGIN_URL = "admin:login"
