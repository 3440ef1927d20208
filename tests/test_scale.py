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


def add_members(partner, count):
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"member{i}@{partner.pk}.example", name=f"Member {i}", password=password) for i in range(count)
    )
    Membership.objects.bulk_create(Membership(user=user, partner=partner, role=Role.VIEWER) for user in users)


def query_counts(members):
    complete = make_partner()
    add_members(complete, members - 1)  # plus the Admin
    complete_contacts(complete, alerts=[admin_of(complete)], per_category=10)
    gated = make_partner()
    add_members(gated, members - 1)
    counts = {}
    for partner, names in [(complete, PAGES), (gated, ["contacts:onboarding"])]:
        client = signed_in(admin_of(partner), Environment.PRODUCTION)
        client.get(reverse("portal:help"))  # the first visit stores the current partner in the session
        for name in names:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse(name))
            assert response.status_code == 200, name
            counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_queries_per_page_do_not_grow_with_members():
    small = query_counts(1)
    large = query_counts(10_000)
    assert large == small
    assert max(small.values()) <= 12
