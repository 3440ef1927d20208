"""SQLite, the `make run` default, under simultaneous writes: people wait their turn, nobody gets a 500.

It runs a real server on a file-backed database in a subprocess: the test database is in memory and shares
one connection between threads, so it would pass with or without the fix.
"""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own locking; PostgreSQL passes skip it")

THREADS, INVITES = 12, 40
SETUP = """
from contacts.services import partner_create
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from tests.helpers import complete_contacts
keys = []
for n in range(2):
    partner, admin, _ = partner_create(name=f"P{n}", integration="appointments", admin_email=f"a{n}@p.example",
                                       admin_password="x-Long-passw0rd")
    complete_contacts(partner, alerts=[admin])
    for _ in range(6):
        s = SessionStore()
        s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(admin.pk), "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = admin.get_session_auth_hash()
        s.save()
        keys.append(s.session_key)
print(",".join(keys))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A threaded development server on a fresh file-backed SQLite database; its sessions for 12 Admins."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    run = {"env": env, "cwd": settings.BASE_DIR, "check": True, "capture_output": True, "text": True}
    subprocess.run([*manage, "migrate", "--noinput"], **run)
    keys = subprocess.run([*manage, "shell", "-c", SETUP], **run).stdout.strip().splitlines()[-1].split(",")
    port = free_port()
    process = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    yield url, keys
    process.terminate()
    process.wait(timeout=10)


def test_twelve_admins_inviting_at_once_get_no_server_error(server):
    url, keys = server
    statuses = []
    lock = threading.Lock()

    def invite(worker):
        token = secrets.token_hex(16)
        for n in range(worker, INVITES, THREADS):
            request = urllib.request.Request(
                f"{url}/settings/users/invite/",
                data=f"email=person{n}%40elsewhere.example&role=editor".encode(),
                headers={
                    "Cookie": f"sessionid={keys[worker]}; csrftoken={token}",
                    "X-CSRFToken": token,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                method="POST",
            )
            opener = urllib.request.build_opener(NoRedirect)
            try:
                status = opener.open(request, timeout=60).status
            except urllib.error.HTTPError as error:
                status = error.code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=invite, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == INVITES
    # 302: sent. 200: the form again, for the invitations over a partner's 20 an hour. Never a 500.
    assert set(statuses) <= {200, 302}, statuses
    assert statuses.count(302) >= 2 * 20 - 2, statuses


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
