"""Who gets what: the one routing function, per kind of notification."""

import pytest

from accounts.models import MailingList, Subscription
from contacts.models import Contact
from contacts.routing import (
    NotificationKind,
    RoutingError,
    escalation_recipients,
    reach_sheet,
    recipients_by_partner,
    recipients_for,
)
from partners.environments import Environment
from partners.models import Role
from tests.helpers import admin_of, complete_contacts, make_member, make_partner

pytestmark = pytest.mark.django_db


def addresses(recipients):
    return [r.email for r in recipients]


@pytest.fixture
def partner():
    partner = make_partner("Acme", integration="reservations")
    complete_contacts(partner, alerts=[admin_of(partner)])
    return partner


def test_emergencies_go_to_the_technical_emergency_contacts_only(partner):
    assert addresses(recipients_for(partner, NotificationKind.EMERGENCY)) == ["technical_emergency0@acme.example"]


def test_announcements_go_to_non_emergency_contacts_and_subscribed_members(partner):
    subscriber = make_member(partner, Role.VIEWER, email="reader@acme.example")
    Subscription.objects.create(user=subscriber, mailing_list=MailingList.TECHNICAL_ANNOUNCEMENTS)
    other_list = make_member(partner, Role.VIEWER, email="product@acme.example")
    Subscription.objects.create(user=other_list, mailing_list=MailingList.PRODUCT_UPDATES)

    assert addresses(recipients_for(partner, NotificationKind.ANNOUNCEMENT)) == [
        "technical_non_emergency0@acme.example",
        "reader@acme.example",
    ]
    assert addresses(recipients_for(partner, NotificationKind.PRODUCT_UPDATE)) == ["product@acme.example"]


def test_a_subscriber_of_another_partner_is_not_told_about_this_one(partner):
    elsewhere = make_partner("Elsewhere")
    stranger = make_member(elsewhere, Role.VIEWER, email="stranger@else.example")
    Subscription.objects.create(user=stranger, mailing_list=MailingList.TECHNICAL_ANNOUNCEMENTS)
    assert "stranger@else.example" not in addresses(recipients_for(partner, NotificationKind.ANNOUNCEMENT))


def test_alerts_go_to_the_alert_contacts_in_their_own_language(partner):
    admin = admin_of(partner)
    admin.language = "es"
    admin.save()
    [recipient] = recipients_for(partner, NotificationKind.ALERT, Environment.PRODUCTION)
    assert (recipient.email, recipient.language, recipient.user_id) == (admin.email, "es", admin.pk)


def test_alerts_exist_only_in_production(partner):
    with pytest.raises(RoutingError):
        recipients_for(partner, NotificationKind.ALERT, Environment.SANDBOX)


def test_an_alert_contact_who_left_the_partner_is_not_alerted(partner):
    admin = admin_of(partner)
    partner.contact_information.alert_contacts.add(extra := make_member(partner, Role.EDITOR))
    extra.memberships.all().delete()
    assert addresses(recipients_for(partner, NotificationKind.ALERT)) == [admin.email]


def test_a_deactivated_user_is_not_alerted(partner):
    admin = admin_of(partner)
    admin.is_active = False
    admin.save()
    assert recipients_for(partner, NotificationKind.ALERT) == []


def test_merchant_issues_reach_the_merchant_contacts_where_the_integration_has_them(partner):
    assert addresses(recipients_for(partner, NotificationKind.MERCHANT_ISSUE)) == ["merchant_issues0@acme.example"]
    appointments = make_partner(integration="appointments")
    complete_contacts(appointments)  # a merchant-issues row left over from an earlier integration kind
    assert recipients_for(appointments, NotificationKind.MERCHANT_ISSUE) == []


def test_contacts_are_written_to_in_their_language_or_else_the_partners(partner):
    partner.language = "es"
    partner.save()
    Contact.objects.filter(email="technical_emergency0@acme.example").update(language="")
    Contact.objects.create(
        contact_information=partner.contact_information,
        category="technical_emergency",
        email="pager@acme.example",
        language="en",
    )
    languages = {r.email: r.language for r in recipients_for(partner, NotificationKind.EMERGENCY)}
    assert languages == {"technical_emergency0@acme.example": "es", "pager@acme.example": "en"}


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_the_operator_only_and_shared_contacts_are_never_sent_anything(partner, kind):
    found = addresses(recipients_for(partner, kind, Environment.PRODUCTION))
    assert not {"operator0@acme.example", "shared0@acme.example"} & set(found)


def test_each_address_is_sent_once_whatever_its_case(partner):
    info = partner.contact_information
    Contact.objects.create(contact_information=info, category="technical_emergency", email="Pager@ACME.example")
    Contact.objects.create(contact_information=info, category="technical_emergency", email="pager@acme.example")
    assert addresses(recipients_for(partner, NotificationKind.EMERGENCY)) == [
        "technical_emergency0@acme.example",
        "Pager@ACME.example",
    ]


def test_many_partners_are_routed_in_a_constant_number_of_queries(partner, django_assert_num_queries):
    others = [make_partner() for _ in range(5)]
    for other in others:
        complete_contacts(other, per_category=3)
    with django_assert_num_queries(2):
        found = recipients_by_partner([partner, *others], NotificationKind.ANNOUNCEMENT)
    assert [len(found[p.pk]) for p in others] == [3] * 5


def test_an_escalation_adds_the_partners_admins(partner):
    second_admin = make_member(partner, Role.ADMIN, email="boss@acme.example")
    make_member(partner, Role.EDITOR, email="editor@acme.example")
    assert addresses(escalation_recipients(partner)) == [
        "technical_emergency0@acme.example",
        admin_of(partner).email,
        second_admin.email,
    ]


def test_the_reach_sheet_lists_emergency_then_operator_contacts(partner):
    assert [(c.category, c.email) for c in reach_sheet(partner)] == [
        ("technical_emergency", "technical_emergency0@acme.example"),
        ("operator", "operator0@acme.example"),
    ]


@pytest.mark.parametrize(
    ("utc", "open_"),
    [
        ("2026-11-30T21:30:00+00:00", True),  # Monday 22:30 in Madrid
        ("2026-12-01T01:30:00+00:00", True),  # Tuesday 02:30: still Monday's overnight window
        ("2026-12-01T03:30:00+00:00", False),  # Tuesday 04:30: closed
        ("2026-11-30T16:00:00+00:00", False),  # Monday 17:00: not open yet
    ],
)
def test_a_support_window_is_open_in_its_own_time_zone(partner, utc, open_):
    from datetime import datetime, time

    from contacts.models import SupportWindow

    window = SupportWindow(days=0b1, start=time(22), end=time(3), overnight=True, time_zone="Europe/Madrid")
    assert window.is_open_at(datetime.fromisoformat(utc)) is open_
