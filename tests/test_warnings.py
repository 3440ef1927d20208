"""Quality warnings: one pure function of facts, never blocking, each with a stable code."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import OutgoingEmail
from contacts import categories as c
from contacts.models import Contact
from contacts.notifications.models import Delivery, Notification
from contacts.services import contact_information_for, membership_remove
from contacts.warnings import (
    CODES,
    ContactFact,
    QualityFacts,
    addresses_used_by,
    is_free_mail,
    is_personal_address,
    quality_warnings,
    warnings_digest,
    warnings_for,
    warnings_grouped,
    warnings_in,
)
from partners.models import Membership, Role
from tests.helpers import make_member

EMERGENCY = c.TECHNICAL_EMERGENCY.code
NON_EMERGENCY = c.TECHNICAL_NON_EMERGENCY.code
SHARED = c.SHARED.code
OPERATOR = c.OPERATOR.code


def facts(*contacts, **extra):
    """Sound facts (a team pager, distinct addresses on the company's domain) plus what a test adds."""
    rows = [ContactFact(*row) if isinstance(row, tuple) else row for row in contacts]
    if not any(row.category == EMERGENCY for row in rows):
        rows.append(ContactFact(EMERGENCY, "oncall@acme.example"))
    if not any(row.category == NON_EMERGENCY for row in rows):
        rows.append(ContactFact(NON_EMERGENCY, "dev@acme.example"))
    if not any(row.category == SHARED for row in rows):
        rows.append(ContactFact(SHARED, "help@acme.example"))
    return QualityFacts(contacts=tuple(rows), **extra)


def found(the_facts):
    return [(w.code, w.category, w.address) for w in quality_warnings(the_facts)]


def test_sound_contact_information_has_no_warning():
    assert found(facts()) == []
    assert found(QualityFacts()) == []


class TestEmergencyPersonalAddress:
    @pytest.mark.parametrize(
        "address,name,members",
        [
            ("ana.garcia@acme.example", "", ()),  # first.last
            ("agarcia@acme.example", "Ana García", ()),  # the contact's own name
            ("ana@acme.example", "", ("Ana Pérez",)),  # a member's first name
            ("zed42@acme.example", "", ()),  # a member's sign-in address: see member_emails below
        ],
    )
    def test_the_only_emergency_contact_being_a_person_is_warned(self, address, name, members):
        the_facts = facts(
            (EMERGENCY, address, name), member_names=members, member_emails=frozenset({"Zed42@ACME.example"})
        )
        assert found(the_facts) == [("emergency_personal_address", EMERGENCY, address)]

    @pytest.mark.parametrize(
        "address", ["oncall@acme.example", "ops@acme.example", "noc-pager@acme.example", "tech.support@acme.example"]
    )
    def test_team_aliases_are_not(self, address):
        assert found(facts((EMERGENCY, address, "Ana García"), member_names=("Ana García",))) == []

    def test_a_personal_address_beside_another_emergency_contact_is_not(self):
        assert found(facts((EMERGENCY, "ana.garcia@acme.example"), (EMERGENCY, "oncall@acme.example"))) == []

    def test_an_address_that_names_nobody_is_not(self):
        assert not is_personal_address("x7@acme.example", names=["Ana García"])
        assert not is_personal_address("acme@acme.example", names=["Acme on-call"])


class TestEmergencySameAsNonEmergency:
    def test_the_same_address_in_both_is_warned_by_its_canonical_form(self):
        the_facts = facts((EMERGENCY, "Pager@ACME.example"), (NON_EMERGENCY, "pager@acme.example"))
        assert found(the_facts) == [("emergency_same_as_non_emergency", EMERGENCY, "Pager@ACME.example")]

    def test_different_addresses_are_not(self):
        assert found(facts((EMERGENCY, "pager@acme.example"), (NON_EMERGENCY, "pager2@acme.example"))) == []


class TestFreeMailDomain:
    @pytest.mark.parametrize("category", [EMERGENCY, SHARED])
    @pytest.mark.parametrize("domain", ["gmail.com", "yahoo.co.uk", "Hotmail.ES", "gmx.de", "proton.me"])
    def test_shared_and_emergency_contacts_on_free_mail_are_warned(self, category, domain):
        address = f"support@{domain}"
        assert found(facts((category, address))) == [("free_mail_domain", category, address)]

    def test_other_categories_and_company_domains_are_not(self):
        assert found(facts((OPERATOR, "ops@gmail.com"), (SHARED, "help@yahoo.example"))) == []
        assert not is_free_mail("pager@gmail.com.acme.example")


class TestEmergencyPhone:
    @pytest.mark.parametrize("phone", ["+18005550199", "+19005550199", "+34900123456", "+34806123456"])
    def test_toll_free_or_premium_emergency_phones_are_warned(self, phone):
        the_facts = facts((EMERGENCY, "oncall@acme.example", "", phone))
        assert found(the_facts) == [("emergency_phone_toll_free_or_premium", EMERGENCY, "oncall@acme.example")]

    @pytest.mark.parametrize("phone", ["+12025550123", "+34612345678", "", "12", "not a phone"])
    def test_ordinary_or_unreadable_phones_are_not(self, phone):
        assert found(facts((EMERGENCY, "oncall@acme.example", "", phone))) == []

    def test_phones_of_other_categories_are_not(self):
        assert found(facts((OPERATOR, "ops@acme.example", "", "+18005550199"))) == []


class TestAddressOfFormerMember:
    def test_contacts_and_alert_contacts_of_people_who_left_are_warned(self):
        the_facts = facts(
            (OPERATOR, "Bob@acme.example"),
            alert_emails=("bob@acme.example", "ana@acme.example"),
            former_member_emails=frozenset({"bob@ACME.example"}),
        )
        assert found(the_facts) == [
            ("address_of_former_member", "alert", "bob@acme.example"),
            ("address_of_former_member", OPERATOR, "Bob@acme.example"),
        ]

    def test_addresses_of_people_still_here_are_not(self):
        assert found(facts((OPERATOR, "ana@acme.example"), alert_emails=("ana@acme.example",))) == []


class TestDeliveriesFailed:
    def test_addresses_whose_deliveries_failed_are_warned(self):
        the_facts = facts(
            (EMERGENCY, "oncall@acme.example"),
            alert_emails=("ana@acme.example",),
            failed_addresses=frozenset({"ONCALL@acme.example", "ana@acme.example"}),
        )
        assert found(the_facts) == [
            ("deliveries_failed", "alert", "ana@acme.example"),
            ("deliveries_failed", EMERGENCY, "oncall@acme.example"),
        ]

    def test_others_are_not(self):
        assert found(facts(failed_addresses=frozenset({"someone@else.example"}))) == []


def test_warnings_come_in_page_order_with_messages_that_name_the_address():
    the_facts = facts(
        (SHARED, "help@gmail.com"),
        (EMERGENCY, "pager@acme.example", "", "+18005550199"),
        (NON_EMERGENCY, "pager@acme.example"),
        alert_emails=("gone@acme.example",),
        former_member_emails=frozenset({"gone@acme.example"}),
    )
    assert [code for code, _category, _address in found(the_facts)] == [
        "address_of_former_member",
        "emergency_same_as_non_emergency",
        "emergency_phone_toll_free_or_premium",
        "free_mail_domain",
    ]
    assert all(w.address in str(w.message) for w in quality_warnings(the_facts))


addresses = st.one_of(
    st.emails(),
    st.text(max_size=40),
    st.sampled_from(["oncall@acme.example", "Ana.Garcia@gmail.com", "pager@yahoo.co.uk", "@", "a@", "@b", ""]),
)
contact_facts = st.builds(
    ContactFact,
    category=st.sampled_from([*c.ContactCategory.values, "nonsense"]),
    email=addresses,
    name=st.text(max_size=30),
    phone=st.one_of(st.text(max_size=20), st.sampled_from(["+18005550199", "+34900123456", "+12025550123"])),
)


@given(
    the_facts=st.builds(
        QualityFacts,
        contacts=st.lists(contact_facts, max_size=8).map(tuple),
        alert_emails=st.lists(addresses, max_size=3).map(tuple),
        member_emails=st.frozensets(addresses, max_size=3),
        member_names=st.lists(st.text(max_size=30), max_size=3).map(tuple),
        former_member_emails=st.frozensets(addresses, max_size=3),
        failed_addresses=st.frozensets(addresses, max_size=3),
    )
)
def test_never_raises_and_speaks_only_known_codes(the_facts):
    warnings = quality_warnings(the_facts)
    assert {w.code for w in warnings} <= set(CODES)
    assert all(str(w.message) for w in warnings)
    assert len({(w.code, w.category, w.address) for w in warnings}) == len(warnings)
    assert warnings_digest(warnings) == warnings_digest(list(reversed(warnings)))


def test_digest_is_short_stable_and_changes_with_the_warnings():
    one = quality_warnings(facts((SHARED, "help@gmail.com")))
    two = quality_warnings(facts((SHARED, "help@gmail.com"), (EMERGENCY, "ana.garcia@acme.example")))
    assert warnings_digest([]) == ""
    assert warnings_digest(one) == warnings_digest(quality_warnings(facts((SHARED, "Help@GMAIL.com"))))
    assert len(warnings_digest(one)) == 16
    assert warnings_digest(one) != warnings_digest(two)


def test_grouped_by_category_in_page_order():
    warnings = quality_warnings(
        facts((SHARED, "help@gmail.com"), (EMERGENCY, "pager@gmail.com"), failed_addresses=frozenset({"a@x.example"}))
    )
    assert [(category.code, len(items)) for category, items in warnings_grouped(warnings)] == [
        (EMERGENCY, 1),
        (SHARED, 1),
    ]
    assert [w.address for w in warnings_in(warnings, SHARED)] == ["help@gmail.com"]


# --- From the database ---------------------------------------------------------------------------


def set_email(partner, category, email, **fields):
    """Give the partner's (first) contact of a category another address, keeping the counts."""
    contact = Contact.objects.filter(contact_information__partner=partner, category=category).first()
    Contact.objects.filter(pk=contact.pk).update(email=email, **fields)


def codes_for(partner):
    return [(w.code, w.category, w.address) for w in warnings_for(partner)]


def test_a_complete_partner_has_no_warning(complete_partner):
    assert codes_for(complete_partner) == []


def test_a_member_who_left_is_warned_wherever_their_address_is_used(complete_partner, admin_user):
    bob = make_member(complete_partner, Role.EDITOR, email="bob@acme.example")
    set_email(complete_partner, OPERATOR, "Bob@acme.example")
    assert codes_for(complete_partner) == []  # still a member
    membership_remove(membership=Membership.objects.get(user=bob), actor=admin_user)
    assert codes_for(complete_partner) == [("address_of_former_member", OPERATOR, "Bob@acme.example")]
    Membership.objects.create(user=bob, partner=complete_partner, role=Role.VIEWER)  # back again
    assert codes_for(complete_partner) == []


def delivery(partner, address, status):
    notification = Notification.objects.create(kind="announcement", partner=partner, subject="News")
    email = OutgoingEmail.objects.create(to=address, language="en", subject="News", body="x", status=status)
    return Delivery.objects.create(notification=notification, email=email, address=address, language="en", source="x")


def test_an_address_whose_last_delivery_failed_is_warned_until_one_succeeds(complete_partner):
    address = "technical_non_emergency0@acme.example"
    delivery(complete_partner, address, OutgoingEmail.Status.SENT)
    delivery(complete_partner, address, OutgoingEmail.Status.FAILED)
    delivery(complete_partner, "someone-else@acme.example", OutgoingEmail.Status.FAILED)
    assert codes_for(complete_partner) == [("deliveries_failed", NON_EMERGENCY, address)]
    delivery(complete_partner, address, OutgoingEmail.Status.SENT)
    assert codes_for(complete_partner) == []


def test_failed_deliveries_of_another_partner_do_not_count(complete_partner):
    from tests.helpers import complete_contacts, make_partner

    other = make_partner("Other")
    complete_contacts(other)
    delivery(other, "technical_non_emergency0@acme.example", OutgoingEmail.Status.FAILED)
    assert codes_for(complete_partner) == []


def test_warnings_for_reads_five_queries_with_the_contact_information(
    complete_partner, admin_user, django_assert_num_queries
):
    info = contact_information_for(complete_partner)
    make_member(complete_partner, email="bob@acme.example")
    for n in range(3):
        delivery(complete_partner, f"operator{n}@acme.example", OutgoingEmail.Status.FAILED)
    with django_assert_num_queries(5):
        warnings_for(complete_partner, info)
    with django_assert_num_queries(6):
        warnings_for(complete_partner)


def test_addresses_used_by_a_member(complete_partner, admin_user, django_assert_num_queries):
    set_email(complete_partner, EMERGENCY, admin_user.email.upper())
    set_email(complete_partner, SHARED, admin_user.email)
    with django_assert_num_queries(2):
        used = addresses_used_by(complete_partner, admin_user)
    assert [(category.code, address) for category, address in used] == [
        ("alert", admin_user.email),
        (EMERGENCY, admin_user.email.upper()),
        (SHARED, admin_user.email),
    ]
    other = make_member(complete_partner)
    assert addresses_used_by(complete_partner, other) == []


# --- The partial -----------------------------------------------------------------------------------


def some_warnings():
    return quality_warnings(
        facts(
            (EMERGENCY, "pager@gmail.com"),
            (SHARED, "help@acme.example"),
            failed_addresses=frozenset({"help@acme.example"}),
        )
    )


def test_the_partial_draws_one_category_beside_its_fields():
    html = render_to_string("contacts/_warnings.html", {"warnings": warnings_in(some_warnings(), SHARED)})
    assert 'id="category-shared-warnings"' in html
    assert 'data-code="deliveries_failed"' in html
    assert "Our last email to help@acme.example could not be delivered" in html
    assert render_to_string("contacts/_warnings.html", {"warnings": []}).strip() == ""


def test_the_partial_lists_every_category_under_its_name_in_spanish():
    warnings = some_warnings()  # built in English: the messages are translated when drawn
    with translation.override("es"):
        html = render_to_string("contacts/_warnings.html", {"warning_groups": warnings_grouped(warnings)})
    assert "Contactos técnicos de emergencia" in html
    assert html.index('data-code="free_mail_domain"') < html.index('data-code="deliveries_failed"')
    assert 'href="/settings/contact-information/#category-shared"' in html  # no request: the read-only page
    assert "Conviene revisar" in html
    assert "pager@gmail.com está en un servicio de correo gratuito" in html


def test_empty_contact_information_costs_two_queries(partner, django_assert_num_queries):
    info = contact_information_for(partner)
    with django_assert_num_queries(2):
        assert warnings_for(partner, info) == []
