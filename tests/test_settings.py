"""Settings read from the environment."""

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings import database_from_url


def test_sqlite_urls_relative_and_absolute():
    assert database_from_url("sqlite:///db.sqlite3")["NAME"] == "db.sqlite3"
    assert database_from_url("sqlite:////tmp/portal.db")["NAME"] == "/tmp/portal.db"


def test_postgres_url():
    db = database_from_url("postgres://portal:s%40cret@db.internal:6543/portal?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "portal",
        "s@cret",
        "db.internal",
        "6543",
        "portal",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_unknown_scheme_says_what_to_use():
    with pytest.raises(ImproperlyConfigured, match="sqlite:/// or postgres://"):
        database_from_url("mysql://x/y")


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
