"""Removing a member while a colleague saves the alert contacts, and launching meanwhile (PostgreSQL, real threads).

Before, removal changed alert contacts without the contact information's lock or version, and alert
choices were validated outside the save's transaction: in 17 rounds of 25 the partner ended with no alert
contact, a removed ex-member as its only one, or a stored answer "complete" that let Launch through.
"""

import random
import threading
import time

import pytest
from django.db import connection, connections

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
from tests.helpers import admin_of, complete_contacts, contact_form_data, make_member, make_partner

ROUNDS = 25

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (SQLite serialises writers): set DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


def in_threads(*functions):
    """Run the functions at once, each on its own connection; what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # the outcome is part of what the test checks
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


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
        assert form.is_valid(), form.error_summary()
        time.sleep(think)
        return contact_information_save(form=form, actor=editor)

    def remove_the_other_member():
        time.sleep(remove_after)
        return membership_remove(membership=removed, actor=admin)

    def launch():
        time.sleep(launch_after)
        return partner_launch(partner=partner, actor=admin)

    results = in_threads(save_with_the_other_as_only_alert_contact, remove_the_other_member, launch)
    for result in results:
        assert result is None or isinstance(
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
