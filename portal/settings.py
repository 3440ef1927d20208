"""Settings for the partner portal, read from the environment with safe local defaults."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# django-environ reads and casts every variable below; nothing is read from a .env file.
env = environ.Env()

PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

# Secrets are read verbatim: django-environ takes a value starting with "$" as the name of another
# variable, and Django's generated keys may start with one.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
local_hosts = [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = [host for host in env.list("ALLOWED_HOSTS", cast=str.strip, default=local_hosts) if host]
if PRODUCTION:
    required = (
        ("SECRET_KEY", SECRET_KEY),
        ("ALLOWED_HOSTS", ALLOWED_HOSTS),
        ("OPERATIONS_EMAIL", os.environ.get("OPERATIONS_EMAIL", "")),
    )
    missing = [name for name, value in required if not value]
    if missing:
        raise ImproperlyConfigured(f"DJANGO_ENV=production needs {' and '.join(missing)} set in the environment.")
elif not SECRET_KEY:
    SECRET_KEY = "django-insecure-local-development-key-not-for-production"

# A release identifier (a tag or commit) that the deployment sets; empty locally.
PORTAL_RELEASE = env("PORTAL_RELEASE", default="")

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "axes",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "partners",
    "contacts",
    "contacts.notifications",
    "ninja",  # Swagger UI's files, served from the portal's own static files
    "contacts.api",
    "portal",
]

MIDDLEWARE = [
    # First: an API body over its limit is refused from its Content-Length before anything reads it.
    "contacts.api.middleware.APIBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.PrivatePagesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "accounts.middleware.BrowserTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified (user.is_verified()) when the session passed a second factor; no query
    # for a session that never did.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "partners.middleware.CurrentPartnerMiddleware",
    "contacts.middleware.ContactInformationRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.shell",
            ],
        },
    },
]

# DATABASE_URL: sqlite:/// (the default: BASE_DIR/db.sqlite3), sqlite:///relative.db, sqlite:////absolute/path.db,
# or postgres://user:password@host:port/name?options (options go to the driver, except conn_max_age and
# conn_health_checks, which override the defaults below).
database_url = env.str("DATABASE_URL", default="sqlite:///")
scheme = database_url.partition("://")[0]
if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:/// or postgres://.")
database = env.db_url_config(database_url)
# Connections persist between requests on both databases: opening one (and, on SQLite, setting its pragmas)
# costs more than many a page's own work.
database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if database["ENGINE"] == "django.db.backends.postgresql":
    database.setdefault("CONN_HEALTH_CHECKS", True)
elif database["NAME"] == ":memory:" and database_url != "sqlite://:memory:":
    # django-environ reads a bare sqlite:/// as an in-memory database, which would lose every save.
    # (sqlite://:memory: still asks for one.)
    database["NAME"] = BASE_DIR / "db.sqlite3"
if database["ENGINE"] == "django.db.backends.sqlite3":
    # Simultaneous writers (two Admins inviting at once) wait their turn instead of failing with
    # "database is locked": transactions take the write lock when they begin, a writer waits up to 20 s,
    # and readers never block the writer (write-ahead log). Each (persistent) connection keeps up to 16 MB of
    # pages in memory rather than SQLite's default 2 MB: a partner of 10,000 members no longer rereads its pages.
    database.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16000;",
        }
    )
DATABASES = {"default": database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes throttles sign-in per account and per IP address: its backend refuses locked-out
# attempts first, then ModelBackend checks the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_CALLABLE = "accounts.auth.attempted_email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.auth.client_ip"
# Behind a load balancer or TLS proxy: how many trusted proxies append to X-Forwarded-For (README, production).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
PROXY_COUNT = env.int("PROXY_COUNT", default=1) if BEHIND_PROXY else 0
# Two-factor sign-in (django-otp): every member may add an authenticator app; operators (staff) must have used one
# to reach the Django admin unless OTP_REQUIRED_FOR_STAFF is turned off (the default outside production).
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=not DEBUG)
OTP_TOTP_ISSUER = "Partner Portal"
# Operators may see and delete a member's devices (to reset a lost phone), never their keys or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves static files from every app server; production uses hashed, compressed names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Several app servers share sessions, throttling and caches through Redis when REDIS_URL is set;
# otherwise sessions live in the database and the cache is per process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # The suite's parallel workers (pytest-xdist's gw0, gw1, …) each take the next Redis database after the one
    # named: a test that empties its cache (FLUSHDB) must not empty another worker's sessions and cache.
    _url = urlsplit(REDIS_URL)
    _db = int(_url.path.strip("/") or 0) + int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db}"))
# Rendered fragments (the contact form, its empty rows) are kept per process first, in front of the shared cache:
# safe because each key names everything its fragment is drawn from (contacts.fragments), so an entry never goes
# stale, it only stops being asked for. Without Redis the per-process cache is the only one.
FRAGMENTS_PER_PROCESS = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 400},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "fragments": FRAGMENTS_PER_PROCESS}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "fragments": {
            "BACKEND": "portal.cache.TieredCache",
            "TIMEOUT": 3600,
            "OPTIONS": {"FRONT": FRAGMENTS_PER_PROCESS, "BACK": "default"},
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"
PHONENUMBER_DEFAULT_REGION = "US"

# Django 6.1 configures email through MAILERS; the console by default, SMTP when EMAIL_HOST is set.
email_host = env.str("EMAIL_HOST", default="")
if email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": env.int("EMAIL_PORT", default=587),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),  # verbatim, like SECRET_KEY
                "use_tls": env.bool("EMAIL_USE_TLS", default=True),
                "timeout": 10,
            },
        }
    }
elif PRODUCTION:
    # A real deployment sends real email: a local MTA unless EMAIL_HOST says otherwise.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"timeout": 10}}}
else:
    MAILERS = {
        "default": {"BACKEND": env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")}
    }
# Background work (every email) runs through Django's task framework. django-tasks-db keeps the queue in the
# database, so any number of `manage.py db_worker` processes on any number of machines share it; the tests run
# tasks inline (ImmediateBackend) unless they ask for the database.
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# The operators' own address: told when nobody at a partner could be reached, and where replies to
# notification emails go. Required in production.
OPERATIONS_EMAIL = env.str("OPERATIONS_EMAIL", default="operations@localhost")

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Partner Portal <no-reply@localhost>")

# Requests larger than this are refused before a form ever sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LANGUAGE_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # Load balancers probe the health check over plain HTTP: answer it there rather than redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

# Invitations stay valid for this long, and a partner may send at most this many an hour.
INVITATION_MAX_AGE_DAYS = 7
INVITATIONS_PER_HOUR = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING").upper()},
}
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
