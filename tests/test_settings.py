"""Settings read from the environment: what portal/settings.py decides, not what django-environ parses.

Each test runs a fresh copy of portal/settings.py with a patched environment (the running settings are
untouched), from which every variable the settings read is removed first: the CI passes set DATABASE_URL
and REDIS_URL, and the defaults must be checked without them.
"""

import importlib.util
import os
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "portal" / "settings.py"
BASE_DIR = SETTINGS_FILE.parent.parent
# Every variable named in the settings, found in the source so that a new one is cleared too.
READ = sorted(set(re.findall(r'(?:env(?:\.\w+)?|os\.environ\.get)\(\s*"([A-Z_]+)"', SETTINGS_FILE.read_text())))
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "portal.example",
    "OPERATIONS_EMAIL": "ops@portal.example",
}


@pytest.fixture
def load(monkeypatch):
    def load(**environ):
        for name in READ:
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


def test_every_variable_is_found_in_the_source():
    for name in ["DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST_PASSWORD"]:
        assert name in READ


class TestProductionRefusesToStart:
    @pytest.mark.parametrize(
        ("given", "message"),
        [
            (
                {},
                "DJANGO_ENV=production needs SECRET_KEY and ALLOWED_HOSTS and OPERATIONS_EMAIL set in the environment.",
            ),
            (
                {"ALLOWED_HOSTS": "portal.example", "OPERATIONS_EMAIL": "ops@portal.example"},
                "DJANGO_ENV=production needs SECRET_KEY set in the environment.",
            ),
            (
                {"SECRET_KEY": "s" * 50, "OPERATIONS_EMAIL": "ops@portal.example"},
                "DJANGO_ENV=production needs ALLOWED_HOSTS set in the environment.",
            ),
            (
                {"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "portal.example"},
                "DJANGO_ENV=production needs OPERATIONS_EMAIL set in the environment.",
            ),
            ({"SECRET_KEY": "", "ALLOWED_HOSTS": " , "}, "needs SECRET_KEY and ALLOWED_HOSTS and OPERATIONS_EMAIL set"),
        ],
    )
    def test_naming_what_is_missing(self, load, given, message):
        with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
            load(DJANGO_ENV="production", **given)

    def test_starts_with_both_and_is_strict(self, load):
        s = load(**{**PRODUCTION, "ALLOWED_HOSTS": " portal.example, www.portal.example,,"})
        assert s.ALLOWED_HOSTS == ["portal.example", "www.portal.example"]
        assert s.SECRET_KEY == "s" * 50
        assert s.DEBUG is False
        assert (s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT) == (True, True, True)
        assert (s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD) == (
            31536000,
            True,
            True,
        )
        assert s.SECURE_PROXY_SSL_HEADER is None
        assert (s.BEHIND_PROXY, s.PROXY_COUNT) == (False, 0)
        assert s.MAILERS == {
            "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"timeout": 10}}
        }
        assert s.OPERATIONS_EMAIL == "ops@portal.example"
        assert s.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"

    def test_a_secret_starting_with_a_dollar_is_kept_as_it_is(self, load):
        # Django's get_random_secret_key() may start with "$", which django-environ reads as a variable's name.
        s = load(
            **{
                **PRODUCTION,
                "SECRET_KEY": "$ALLOWED_HOSTS-x",
                "EMAIL_HOST": "smtp.example",
                "EMAIL_HOST_PASSWORD": "$pw",
            }
        )
        assert s.SECRET_KEY == "$ALLOWED_HOSTS-x"
        assert s.MAILERS["default"]["OPTIONS"]["password"] == "$pw"


class TestLocalDefaults:
    def test_safe_defaults_without_any_variable(self, load):
        s = load()
        assert s.DEBUG is True
        assert s.SECRET_KEY.startswith("django-insecure-")
        assert s.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]", "testserver"]
        assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        assert s.DATABASES["default"]["NAME"] == BASE_DIR / "db.sqlite3"
        assert s.DATABASES["default"]["CONN_MAX_AGE"] == 60  # a connection per process, not per request
        assert "CONN_HEALTH_CHECKS" not in s.DATABASES["default"]
        # Per process: the default cache, and the rendered fragments (with no shared cache behind them).
        assert {alias: c["BACKEND"].rsplit(".", 1)[1] for alias, c in s.CACHES.items()} == {
            "default": "LocMemCache",
            "fragments": "LocMemCache",
        }
        assert not hasattr(s, "SESSION_ENGINE")
        assert s.MAILERS == {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
        assert not hasattr(s, "SESSION_COOKIE_SECURE") and not hasattr(s, "SECURE_HSTS_SECONDS")
        assert s.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
        assert s.LOGGING["root"]["level"] == "WARNING"
        assert s.PORTAL_BASE_URL == "http://127.0.0.1:8000"
        assert s.PORTAL_RELEASE == ""
        assert (s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.PROXY_COUNT) == (5, 900, 0)

    def test_debug_off_locally_is_strict_too(self, load):
        s = load(DEBUG="false")
        assert s.DEBUG is False and s.SESSION_COOKIE_SECURE is True
        assert s.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]", "testserver"]

    def test_a_local_email_backend_may_be_chosen(self, load):
        s = load(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        assert s.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"


class TestOverrides:
    def test_proxy_hsts_log_level_urls_and_release(self, load):
        s = load(
            **PRODUCTION,
            BEHIND_PROXY="yes",
            PROXY_COUNT="2",
            SECURE_HSTS_SECONDS="3600",
            SECURE_HSTS_PRELOAD="0",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="off",
            SECURE_SSL_REDIRECT="false",
            LOG_LEVEL="info",
            PORTAL_BASE_URL="https://portal.example",
            PORTAL_RELEASE="2026.11.3",
            LOGIN_FAILURE_LIMIT="3",
            DEFAULT_FROM_EMAIL="Portal <portal@example.com>",
        )
        assert s.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
        assert (s.BEHIND_PROXY, s.PROXY_COUNT) == (True, 2)
        assert (s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.SECURE_HSTS_INCLUDE_SUBDOMAINS) == (3600, False, False)
        assert s.SECURE_SSL_REDIRECT is False
        assert s.LOGGING["root"]["level"] == "INFO"
        assert (s.PORTAL_BASE_URL, s.PORTAL_RELEASE) == ("https://portal.example", "2026.11.3")
        assert s.AXES_FAILURE_LIMIT == 3
        assert s.DEFAULT_FROM_EMAIL == "Portal <portal@example.com>"

    def test_email_host_sends_through_smtp(self, load):
        s = load(
            EMAIL_HOST="smtp.example",
            EMAIL_PORT="2525",
            EMAIL_HOST_USER="mailer",
            EMAIL_HOST_PASSWORD="pw",
            EMAIL_USE_TLS="no",
        )
        assert s.MAILERS == {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {
                    "host": "smtp.example",
                    "port": 2525,
                    "username": "mailer",
                    "password": "pw",
                    "use_tls": False,
                    "timeout": 10,
                },
            }
        }
        assert not hasattr(s, "EMAIL_HOST")  # Django 6.1 reads MAILERS; the old setting must not linger
        assert load(EMAIL_HOST="smtp.example").MAILERS["default"]["OPTIONS"]["use_tls"] is True

    def test_redis_url_shares_cache_and_sessions(self, load):
        s = load(REDIS_URL="redis://cache.internal:6379/2")
        assert s.CACHES["default"] == {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://cache.internal:6379/2",
        }
        # Rendered fragments: this process's own cache first, then the shared one.
        assert s.CACHES["fragments"]["BACKEND"] == "portal.cache.TieredCache"
        assert s.CACHES["fragments"]["OPTIONS"]["BACK"] == "default"
        assert s.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


class TestDatabaseUrl:
    @pytest.mark.parametrize(
        ("url", "name"),
        [
            ("sqlite:///db.sqlite3", "db.sqlite3"),
            ("sqlite:////tmp/portal.db", "/tmp/portal.db"),
            ("sqlite:///my%20portal.db", "my portal.db"),
            ("sqlite:///", BASE_DIR / "db.sqlite3"),  # not django-environ's in-memory database
            ("sqlite://", BASE_DIR / "db.sqlite3"),
            ("sqlite://:memory:", ":memory:"),
        ],
    )
    def test_sqlite_relative_absolute_and_bare(self, load, url, name):
        database = load(DATABASE_URL=url).DATABASES["default"]
        assert database["ENGINE"] == "django.db.backends.sqlite3"
        assert database["NAME"] == name
        assert database["CONN_MAX_AGE"] == 60

    @pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
    def test_postgres_with_options(self, load, scheme):
        url = f"{scheme}://portal:s%40cret%2F@db.internal:6543/portal?sslmode=require&application_name=portal"
        database = load(DATABASE_URL=url).DATABASES["default"]
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert (database["USER"], database["PASSWORD"], database["HOST"], database["NAME"]) == (
            "portal",
            "s@cret/",
            "db.internal",
            "portal",
        )
        assert str(database["PORT"]) == "6543"
        assert database["OPTIONS"] == {"sslmode": "require", "application_name": "portal"}
        assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)

    def test_postgres_connection_age_from_the_environment_or_the_url(self, load):
        url = "postgres://postgres@127.0.0.1:5432/test"
        assert load(DATABASE_URL=url, CONN_MAX_AGE="0").DATABASES["default"]["CONN_MAX_AGE"] == 0
        from_url = load(DATABASE_URL=f"{url}?conn_max_age=600&conn_health_checks=False", CONN_MAX_AGE="0")
        assert from_url.DATABASES["default"]["CONN_MAX_AGE"] == 600
        assert from_url.DATABASES["default"]["CONN_HEALTH_CHECKS"] is False
        assert "conn_max_age" not in from_url.DATABASES["default"].get("OPTIONS", {})

    @pytest.mark.parametrize("url", ["mysql://x/y", "postgis://x/y", "db.sqlite3"])
    def test_unknown_scheme_says_what_to_use(self, load, url):
        scheme = url.partition("://")[0]
        with pytest.raises(
            ImproperlyConfigured, match=re.escape(f"{scheme!r} is not supported: use sqlite:/// or postgres://")
        ):
            load(DATABASE_URL=url)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="set REDIS_URL to check the shared cache")
def test_sessions_and_cache_live_in_redis_when_configured(admin_user):
    from django.conf import settings
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    cache.set("portal-ci-probe", "shared", 30)
    assert cache.get("portal-ci-probe") == "shared"
    from tests.helpers import signed_in

    client = signed_in(admin_user)
    assert client.get("/help/").status_code == 200
    assert cache.get(f"django.contrib.sessions.cached_db{client.session.session_key}") is not None


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="set REDIS_URL to check the shared cache")
def test_a_rendered_form_reaches_the_shared_cache(complete_partner, admin_user):
    from django.core.cache import caches

    from tests.helpers import signed_in

    fragments = caches["fragments"]
    assert signed_in(admin_user).get("/settings/contact-information/edit/").status_code == 200
    kept = [key for key in fragments.front._cache if ":contact-form:" in key]
    assert len(kept) == 1
    key = kept[0].split(":", 2)[2]  # as made by the cache: ":<version>:<key>"
    fragments.front.clear()
    assert caches["default"].get(key) is not None  # another app server finds it
