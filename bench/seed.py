"""Benchmark data: a complete partner, a gated one, and a big one (10 contacts a category, 1,000 members).

Prints the session cookies to use, as JSON. Run with DJANGO_SETTINGS_MODULE and DATABASE_URL set.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from partners.middleware import SESSION_KEY as PARTNER_KEY  # noqa: E402
from partners.models import Membership, Role  # noqa: E402
from tests.helpers import admin_of, complete_contacts, make_partner  # noqa: E402


def session_for(user, partner):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[PARTNER_KEY] = partner.pk
    session.save()
    return session.session_key


def main():
    call_command("migrate", verbosity=0)
    complete = make_partner("Complete Partner")
    complete_contacts(complete, alerts=[admin_of(complete)])
    gated = make_partner("Gated Partner")
    big = make_partner("Big Partner")
    password = make_password(None)
    people = [User(email=f"member{i}@big.example", name=f"Member {i}", password=password) for i in range(999)]
    for person in people:
        person.set_email_identity()  # bulk_create skips save(), which derives it
    users = User.objects.bulk_create(people)
    Membership.objects.bulk_create(Membership(user=u, partner=big, role=Role.VIEWER) for u in users)
    complete_contacts(big, alerts=[admin_of(big)], per_category=10)
    print(
        json.dumps(
            {
                "complete": session_for(admin_of(complete), complete),
                "gated": session_for(admin_of(gated), gated),
                "big": session_for(admin_of(big), big),
            }
        )
    )


if __name__ == "__main__":
    main()
