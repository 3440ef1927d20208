"""Query counts per page stay constant from 1 to 10,000 members."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from partners.environments import Environment
from partners.models import Membership, Role
from tests.helpers import admin_of, complete_contacts, make_partner, signed_in

PAGES = ["portal:dashboard", "contacts:edit", "portal:users", "portal:activity"]


def new_users(count):
    """`count` saved users, made at once (bulk_create skips save(): each is prepared as a form would)."""
    password = make_password(None)
    users = [User(email=f"member{i}@crowd.example", name=f"Member {i}", password=password) for i in range(count)]
    for user in users:
        user.clean()
    return User.objects.bulk_create(users)


def add_members(partner, users):
    Membership.objects.bulk_create(Membership(user=user, partner=partner, role=Role.VIEWER) for user in users)


def query_counts(crowd):
    """Queries per page for a partner whose members are its Admin and `crowd`: the modal, then the portal."""
    partner = make_partner()
    add_members(partner, crowd)
    client = signed_in(admin_of(partner), Environment.PRODUCTION)
    client.get(reverse("portal:help"))  # the first visit stores the current partner in the session
    counts = {}

    def count(name):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        counts[name] = len(queries)

    count("contacts:onboarding")  # gated: nothing filled in yet
    complete_contacts(partner, alerts=[admin_of(partner)], per_category=10)
    for name in PAGES:
        count(name)
    return counts


@pytest.mark.django_db
def test_queries_per_page_do_not_grow_with_members():
    small = query_counts([])
    large = query_counts(new_users(9_999))  # and the Admin: 10,000 members
    assert large == small
    assert max(small.values()) <= 10  # the modal drawn anew: contact information, draft, picker, rows, windows, users
