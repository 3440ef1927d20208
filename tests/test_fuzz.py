"""Hypothesis throws odd inputs at the contact and invitation forms: never a 500, never half a save.

How many: the `dev` profile (50 a test, the default) or `ci` (1,000), registered in conftest.py and
chosen with HYPOTHESIS_PROFILE.
"""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from contacts.models import ContactInformation
from partners.models import Invitation
from tests.helpers import admin_of, contact_form_data, make_partner

odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=400),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99999999999",
            "+1 202 555 0143",
            "ops@acme.example",
            "OPS@ACME.EXAMPLE",
            "a@b",
            "<script>x</script>",
            "'; DROP TABLE x; --",
            "\x00",
            "\r\nBcc: x@y.z",
            "25:99",
            "09:00",
            "Europe/Madrid",
            "Mars/Base",
            "on",
            "off",
            "true",
            "%s%s%s",
            "{{ 7*7 }}",
            "a" * 255 + "@x.example",
        ]
    ),
)
CONTACT_FIELDS = [
    "general-version",
    "general-support_24_7",
    "general-alert_contacts",
    "technical_emergency-TOTAL_FORMS",
    "technical_emergency-INITIAL_FORMS",
    "technical_emergency-0-email",
    "technical_emergency-0-phone",
    "technical_emergency-0-name",
    "technical_emergency-0-DELETE",
    "operator-0-email",
    "operator-1-email",
    "operator-TOTAL_FORMS",
    "shared-email",
    "shared-url",
    "shared-phone",
    "support_hours-TOTAL_FORMS",
    "support_hours-0-days",
    "support_hours-0-start",
    "support_hours-0-end",
    "support_hours-0-overnight",
    "support_hours-0-time_zone",
    "support_hours-1-start",
    "add_row",
    "next",
]


@pytest.fixture
def fuzz_world(db):
    partner = make_partner()
    client = Client()
    client.force_login(admin_of(partner))
    client.get(reverse("contacts:onboarding"))
    return partner, client


@given(overrides=st.dictionaries(st.sampled_from(CONTACT_FIELDS), odd_text, max_size=8), start_valid=st.booleans())
def test_the_contact_form_never_fails_and_never_half_saves(fuzz_world, overrides, start_valid):
    partner, client = fuzz_world
    data = contact_form_data() if start_valid else {}
    data.update(overrides)
    with transaction.atomic():
        response = client.post(reverse("contacts:onboarding"), data)
        assert response.status_code in {200, 302, 400, 409}
        info = ContactInformation.objects.get(partner=partner)
        partner.refresh_from_db()
        if response.status_code == 302:
            assert info.version == 1 and partner.missing_sandbox == []  # saved whole
        else:
            assert info.version == 0 and not info.contacts.exists() and not info.support_windows.exists()
        transaction.set_rollback(True)


@given(email=odd_text, role=odd_text, form=st.sampled_from(["invite", "", "x"]))
def test_the_invitation_form_never_fails_and_sends_only_valid_invitations(fuzz_world, email, role, form):
    partner, client = fuzz_world
    mail.outbox.clear()
    with transaction.atomic():
        response = client.post(reverse("contacts:onboarding"), {"form": form, "email": email, "role": role})
        assert response.status_code in {200, 302, 400}
        invitations = list(Invitation.objects.filter(partner=partner))
        if response.status_code == 302 and form == "invite":
            assert len(invitations) == 1 and "\n" not in invitations[0].email
        elif form == "invite":
            assert invitations == []
        transaction.set_rollback(True)
