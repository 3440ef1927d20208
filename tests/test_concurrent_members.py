"""Removing a member while a colleague saves the alert contacts, and launching meanwhile (PostgreSQL, real threads).

Before, removal changed alert contacts without the contact information's lock or version, and alert
choices were validated outside the save's transaction: in 17 rounds of 25 the partner ended with no alert
contact, a removed ex-member as its only one, or a stored answer "complete" that let Launch through.
"""

import random
import time

import pytest
from django.db import connection

from contacts.forms import ContactInformationForm
from contacts.models import ContactInformation
from contacts.services import (
    ContactInformationConflict,
    computed_status,
    contact_information_for,
    contact_information_save,
    membership_remove,
    partner_launch,
)
from partners.environments import Environment
from partners.models import Membership, Partner, Role
from partners.services import MembershipError
from tests.helpers import admin_of, complete_contacts, contact_form_data, make_member, make_partner, run_together

ROUNDS = 25
INVALID = "the form was refused"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (SQLite serialises writers): set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


def one_round(seed):
    partner = make_partner(f"Race {seed}")
    admin = admin_of(partner)
    editor = make_member(partner, Role.EDITOR)
    other = make_member(partner, Role.EDITOR)
    complete_contacts(partner, alerts=[admin, other])
    removed = Membership.objects.get(partner=partner, user=other)
    # A person reads the page, then saves; meanwhile an Admin removes the other member, and another launches.
    chance = random.Random(seed)
    think, remove_after, launch_after = (chance.uniform(0, 0.05) for _ in range(3))

    def save_with_the_other_as_only_alert_contact():
        info = contact_information_for(Partner.objects.get(pk=partner.pk))
        data = contact_form_data(version=info.version, alerts=[other.pk])
        form = ContactInformationForm(data, info=info, environment=Environment.PRODUCTION)
        if not form.is_valid():
            return INVALID  # the removal came first: the member is no longer a choice, the form says so
        time.sleep(think)
        return contact_information_save(form=form, actor=editor)

    def remove_the_other_member():
        time.sleep(remove_after)
        return membership_remove(membership=removed, actor=admin)

    def launch():
        time.sleep(launch_after)
        return partner_launch(partner=partner, actor=admin)

    results = run_together(save_with_the_other_as_only_alert_contact, remove_the_other_member, launch)
    for result in results:
        assert result in (None, INVALID) or isinstance(
            result, ContactInformation | Partner | ContactInformationConflict | MembershipError
        ), repr(result)
    return partner, results


@pytest.mark.parametrize("seed", range(ROUNDS))
def test_the_alert_contact_rules_hold_whoever_wins(seed):
    partner, results = one_round(seed)
    partner.refresh_from_db()
    info = ContactInformation.objects.get(partner=partner)
    alerts = set(info.alert_contacts.values_list("pk", flat=True))
    members = set(partner.memberships.values_list("user_id", flat=True))
    assert alerts, f"no alert contact left: {results}"
    assert alerts <= members, f"an ex-member is still an alert contact: {results}"
    assert (partner.missing_sandbox, partner.missing_production) == computed_status(partner, info)
    if partner.status == Partner.Status.LAUNCHED:
        assert computed_status(partner, info)[1] == []


@pytest.mark.parametrize("seed", range(5))
def test_accepting_while_an_admin_resends_never_deadlocks(seed):
    from accounts.models import User
    from partners.models import Invitation
    from partners.services import invitation_accept, invitation_create, invitation_resend

    partner = make_partner(f"Invite race {seed}")
    admin = admin_of(partner)
    invitation = invitation_create(
        partner=partner, email=f"new{seed}@elsewhere.example", role=Role.EDITOR, inviter=admin
    )
    invitee = User.objects.create_user(email=f"new{seed}@elsewhere.example", password="a-Long-test-passw0rd")
    pause = random.Random(seed).uniform(0, 0.01)

    def accept():
        return invitation_accept(invitation=Invitation.objects.get(pk=invitation.pk), user=invitee)

    def resend():
        time.sleep(pause)
        return invitation_resend(invitation=Invitation.objects.get(pk=invitation.pk), actor=admin)

    results = run_together(accept, resend)
    # One of them wins; the other is told why. Never a database error (a deadlock is one).
    assert all(isinstance(r, Membership | Invitation | MembershipError) for r in results), results
    assert sum(isinstance(r, MembershipError) for r in results) <= 1, results


@pytest.mark.parametrize("seed", range(10))
def test_an_operator_and_an_admin_demoting_the_two_admins_at_once_leave_one(seed):
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from partners.services import membership_change_role

    partner = make_partner(f"Admin race {seed}")
    first = Membership.objects.get(partner=partner, role=Role.ADMIN)
    second_user = make_member(partner, Role.ADMIN)
    second = Membership.objects.get(partner=partner, user=second_user)
    operator = User.objects.create_superuser(email=f"op{seed}@portal.example", password="x-Op3rator-pass")
    pause = random.Random(seed).uniform(0, 0.06)
    client = Client()
    client.force_login(operator)

    def operator_demotes_the_first():
        url = reverse("admin:partners_membership_change", args=[first.pk])
        response = client.post(url, {"user": first.user_id, "partner": partner.pk, "role": Role.VIEWER})
        return response.status_code

    def the_second_demotes_themself():
        time.sleep(pause)  # somewhere while the admin's form is being checked and saved
        return membership_change_role(membership=second, role=Role.VIEWER, actor=second_user)

    results = run_together(operator_demotes_the_first, the_second_demotes_themself)
    assert all(isinstance(r, int | Membership | MembershipError) for r in results), results
    assert results[0] in {200, 302}, results  # 200: the admin form, refusing with a message
    assert partner.memberships.filter(role=Role.ADMIN).count() >= 1, results
