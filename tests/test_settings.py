"""Settings read from the environment."""

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
