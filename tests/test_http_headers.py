"""What every response tells caches, browsers and load balancers: private pages stay private, probes get answers."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.helpers import signed_in

PROBE = """
import django, json, os
django.setup()
from django.conf import settings
from django.test import Client
client = Client(SERVER_NAME="portal.example")
health, head, help_page = client.get("/healthz"), client.head("/healthz"), client.get("/help/")
print(json.dumps({
    "health": [health.status_code, health.content.decode()],
    "head": head.status_code,
    "help": [help_page.status_code, help_page.get("Location", "")],
    "language_cookie": [settings.LANGUAGE_COOKIE_SECURE, settings.LANGUAGE_COOKIE_SAMESITE],
}))
"""


@pytest.mark.parametrize("name", ["portal:dashboard", "contacts:edit", "portal:users", "portal:activity"])
def test_signed_in_pages_are_private_and_not_stored(complete_partner, admin_user, name):
    response = signed_in(admin_user).get(reverse(name))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_the_modal_is_private_and_not_stored(partner, admin_user):
    response = signed_in(admin_user).get(reverse("contacts:onboarding"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_public_pages_for_anonymous_visitors_are_not_marked_private(db):
    response = Client().get(reverse("portal:help"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_health_check_answers_head(db):
    response = Client().head(reverse("health"))
    assert response.status_code == 200


def test_in_production_the_health_check_answers_plain_http_and_the_language_cookie_is_strict():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example",
        OPERATIONS_EMAIL="ops@portal.example",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["health"] == [200, "ok"]
    assert answers["head"] == 200
    assert answers["help"] == [301, "https://portal.example/help/"]  # everything else still goes to HTTPS
    assert answers["language_cookie"] == [True, "Lax"]
