"""Completeness: one pure function of (counts, integration kind, environment)."""

import pytest

from contacts.completeness import REQUIREMENTS, ContactCounts, missing_codes, missing_requirements
from partners.environments import Environment
from partners.integrations import INTEGRATION_KINDS, get_integration

COMPLETE = ContactCounts(
    alert=1,
    technical_emergency=1,
    technical_non_emergency=1,
    merchant_issues=1,
    operator=1,
    shared=1,
    support_windows=1,
)
RESERVATIONS = get_integration("reservations")
APPOINTMENTS = get_integration("appointments")


def codes(counts, integration=RESERVATIONS, environment=Environment.PRODUCTION):
    return missing_codes(counts, integration=integration, environment=environment)


def test_empty_contact_information_misses_everything_in_page_order():
    assert codes(ContactCounts()) == [
        "alert_contacts_required",
        "technical_emergency_required",
        "technical_non_emergency_required",
        "merchant_issues_required",
        "operator_required",
        "shared_required",
        "support_hours_required",
    ]


def test_sandbox_never_asks_for_alert_contacts():
    assert "alert_contacts_required" not in codes(ContactCounts(), environment=Environment.SANDBOX)
    assert codes(ContactCounts(**{**COMPLETE.__dict__, "alert": 0}), environment=Environment.SANDBOX) == []


def test_production_asks_for_alert_contacts_alone_when_the_rest_is_complete():
    assert codes(ContactCounts(**{**COMPLETE.__dict__, "alert": 0})) == ["alert_contacts_required"]


def test_complete_in_both_environments():
    assert codes(COMPLETE) == []
    assert codes(COMPLETE, environment=Environment.SANDBOX) == []


@pytest.mark.parametrize("kind", sorted(INTEGRATION_KINDS))
def test_merchant_contact_required_only_where_the_integration_needs_it(kind):
    integration = get_integration(kind)
    counts = ContactCounts(**{**COMPLETE.__dict__, "merchant_issues": 0})
    assert ("merchant_issues_required" in codes(counts, integration)) is integration.needs_merchant_contact


def test_registry_has_kinds_with_and_without_the_merchant_contact():
    assert {kind.needs_merchant_contact for kind in INTEGRATION_KINDS.values()} == {True, False}
    assert {"appointments", "reservations", "ordering", "healthcare_appointments"} <= set(INTEGRATION_KINDS)


def test_twenty_four_seven_stands_in_for_support_windows():
    counts = ContactCounts(**{**COMPLETE.__dict__, "support_windows": 0})
    assert codes(counts) == ["support_hours_required"]
    assert codes(ContactCounts(**{**counts.__dict__, "support_24_7": True})) == []


def test_shared_contact_must_be_exactly_one():
    assert codes(ContactCounts(**{**COMPLETE.__dict__, "shared": 0})) == ["shared_required"]
    assert codes(ContactCounts(**{**COMPLETE.__dict__, "shared": 2})) == ["shared_required"]


def test_requirements_carry_codes_categories_and_messages():
    missing = missing_requirements(ContactCounts(), integration=APPOINTMENTS, environment=Environment.PRODUCTION)
    assert all(r is REQUIREMENTS[r.code] for r in missing)
    assert all(str(r.message) and r.category for r in missing)
    assert "merchant_issues_required" not in [r.code for r in missing]


def test_partner_stores_the_answer_for_each_environment(db):
    from contacts.services import contact_status_refresh
    from tests.helpers import complete_contacts, make_member, make_partner

    partner = make_partner(integration="appointments")
    assert partner.missing_sandbox == [
        "technical_emergency_required",
        "technical_non_emergency_required",
        "operator_required",
        "shared_required",
        "support_hours_required",
    ]
    assert partner.missing_production[0] == "alert_contacts_required"
    info = complete_contacts(partner)
    assert partner.contacts_complete(Environment.SANDBOX)
    assert partner.missing_contacts(Environment.PRODUCTION) == ["alert_contacts_required"]
    info.alert_contacts.set([make_member(partner)])
    contact_status_refresh(partner=partner)
    assert partner.contacts_complete(Environment.PRODUCTION)


def test_saving_24_7_without_windows_unlocks_the_portal(partner, admin_user):
    from django.urls import reverse

    from tests.helpers import contact_form_data, signed_in

    client = signed_in(admin_user)
    assert client.get(reverse("portal:dashboard")).status_code == 302  # gated until complete
    response = client.post(reverse("contacts:onboarding"), contact_form_data(support_24_7=True))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.missing_sandbox == []
    assert client.get(reverse("portal:dashboard")).status_code == 200
