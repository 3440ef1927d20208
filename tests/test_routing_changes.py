"""Protecting the routing: a change to the technical emergency, alert or shared contacts is emailed to the partner's
Admins and to the addresses it replaces, once each, in their language, with what changed and a link to the entry."""

import pytest
from django.urls import reverse

from accounts.models import OutgoingEmail
from contacts.models import Contact
from contacts.routing_changes import replaced_addresses, routing_change_notify, routing_changed
from contacts.services import contact_information_for, contact_information_reconcile
from partners.environments import Environment
from partners.models import Activity, Membership, Role
from tests.helpers import contact_form_data, make_member, signed_in

EDIT = reverse("contacts:edit")
ACTIVITY = reverse("portal:activity")


def routing_emails():
    """The emails this feature queued (other features may queue their own on a save): they link to an entry."""
    return list(OutgoingEmail.objects.filter(body__contains=f"{ACTIVITY}#activity-").order_by("to"))


def unchanged_form(partner, **overrides):
    """A valid post that keeps complete_contacts' data except what `overrides` changes."""
    info = contact_information_for(partner)
    values = {
        "version": info.version,
        "technical_emergency": ("technical_emergency0@acme.example",),
        "technical_non_emergency": ("technical_non_emergency0@acme.example",),
        "merchant_issues": ("merchant_issues0@acme.example",),
        "operator": ("operator0@acme.example",),
        "shared": {"email": "shared0@acme.example"},
        "windows": [{"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00", "time_zone": "Europe/Madrid"}],
    }
    return contact_form_data(**{**values, **overrides})


def save(client, partner, **overrides):
    response = client.post(EDIT, unchanged_form(partner, **overrides))
    assert response.status_code == 302, response.context and response.context["form"].error_summary()
    return Activity.objects.filter(partner=partner, action=Activity.Action.CONTACTS_UPDATED).first()


@pytest.fixture
def second_admin(complete_partner):
    user = make_member(complete_partner, Role.ADMIN, email="boss@acme.example", name="Bea Boss")
    user.language = "es"
    user.save(update_fields=["language"])
    return user


def test_changing_the_emergency_contacts_emails_each_admin_and_each_replaced_address_once(
    complete_partner, admin_user, second_admin
):
    partner = complete_partner
    partner.language = "es"  # contacts without a language of their own are written to in the partner's
    partner.save(update_fields=["language"])
    info = contact_information_for(partner)
    Contact.objects.create(
        contact_information=info, category="technical_emergency", email="pager@acme.example", language="en"
    )
    # The second Admin is also an emergency contact being replaced: one email, not two.
    Contact.objects.create(contact_information=info, category="technical_emergency", email="Boss@ACME.example")
    activity = save(signed_in(admin_user), partner, technical_emergency=("new-oncall@acme.example",))

    emails = routing_emails()
    by_address = {email.to.lower(): email for email in emails}
    assert sorted(by_address) == sorted(
        [admin_user.email, "boss@acme.example", "pager@acme.example", "technical_emergency0@acme.example"]
    )
    assert len(emails) == 4  # once each
    languages = {address: email.language for address, email in by_address.items()}
    assert languages == {
        admin_user.email: admin_user.language,  # an Admin: their own language
        "boss@acme.example": "es",
        "pager@acme.example": "en",  # the contact's own language
        "technical_emergency0@acme.example": "es",  # none chosen: the partner's
    }
    link = f"{ACTIVITY}#activity-{activity.pk}"
    for email in emails:
        assert link in email.body
        # Where emergencies go now is told to the Admins only: a replaced address may be the one pushed out.
        is_admin = email.to in {admin_user.email, "boss@acme.example"}
        assert ("new-oncall@acme.example" in email.body) == is_admin, email.to
        if is_admin:
            assert "technical_emergency0@acme.example" in email.body  # what was replaced
    assert "Contactos técnicos de emergencia" in by_address["technical_emergency0@acme.example"].body
    assert "Technical emergency contacts" in by_address["pager@acme.example"].body
    assert admin_user.name in by_address["pager@acme.example"].body  # who made the change
    assert "pager@acme.example" in by_address["pager@acme.example"].body.split("\n\n", 1)[1]


def test_an_admin_who_is_not_replaced_is_told_as_an_admin(complete_partner, admin_user):
    save(signed_in(admin_user), complete_partner, technical_emergency=("new-oncall@acme.example",))
    (to_admin,) = [email for email in routing_emails() if email.to == admin_user.email]
    assert "because you are an Admin" in to_admin.body
    assert "was removed from" not in to_admin.body


def test_changing_only_other_categories_emails_nobody(complete_partner, admin_user, second_admin):
    save(
        signed_in(admin_user),
        complete_partner,
        operator=("someone-else@acme.example",),
        technical_non_emergency=("dev2@acme.example",),
        windows=[{"days": [0, 1], "start": "08:00", "end": "12:00", "time_zone": "Europe/Madrid"}],
    )
    assert Activity.objects.filter(action=Activity.Action.CONTACTS_UPDATED).count() == 1  # it was saved
    assert routing_emails() == []


def test_an_alert_contact_change_emails_the_replaced_member(complete_partner, admin_user):
    editor = make_member(complete_partner, Role.EDITOR, email="eddie@acme.example")
    replaced = make_member(complete_partner, Role.VIEWER, email="vera@acme.example")
    replaced.language = "es"
    replaced.save(update_fields=["language"])
    contact_information_for(complete_partner).alert_contacts.add(replaced)
    client = signed_in(admin_user, Environment.PRODUCTION)
    activity = save(client, complete_partner, alerts=[admin_user.pk, editor.pk])

    emails = {email.to: email for email in routing_emails()}
    assert sorted(emails) == sorted([admin_user.email, "vera@acme.example"])  # the added editor is not told
    to_vera = emails["vera@acme.example"]
    assert to_vera.language == "es"  # a member: their own language
    assert "Contactos de alerta" in to_vera.body and "eddie@acme.example" not in to_vera.body  # not who replaced her
    assert f"#activity-{activity.pk}" in to_vera.body


def test_a_shared_contact_change_emails_the_replaced_address(complete_partner, admin_user):
    save(signed_in(admin_user), complete_partner, shared={"email": "support@acme.example"})
    assert sorted(email.to for email in routing_emails()) == sorted([admin_user.email, "shared0@acme.example"])


def test_an_operators_change_in_the_admin_is_emailed_under_their_name(complete_partner, admin_user, django_user_model):
    operator = django_user_model.objects.create_user(email="op@portal.example", password="x", is_staff=True)
    info = contact_information_for(complete_partner)
    before = info.as_dict()
    info.contacts.filter(category="technical_emergency").update(email="swapped@acme.example")
    contact_information_reconcile(partner=complete_partner, operator=operator, before=before)

    emails = {email.to: email for email in routing_emails()}
    assert sorted(emails) == sorted([admin_user.email, "technical_emergency0@acme.example"])
    assert "Operator (op@portal.example)" in emails[admin_user.email].body


def test_the_emails_are_queued_with_the_save_and_sent(complete_partner, admin_user, sent):
    client = signed_in(admin_user)
    with sent() as outbox:
        save(client, complete_partner, technical_emergency=("new-oncall@acme.example",))
    mine = [message for message in outbox if f"{ACTIVITY}#activity-" in message.body]
    assert sorted(message.to[0] for message in mine) == sorted([admin_user.email, "technical_emergency0@acme.example"])


def test_a_refused_save_queues_nothing(complete_partner, admin_user):
    stale = unchanged_form(complete_partner, technical_emergency=("new-oncall@acme.example",))
    save(signed_in(admin_user), complete_partner, operator=("moved@acme.example",))  # someone saved meanwhile
    response = signed_in(admin_user).post(EDIT, stale)
    assert response.status_code == 409
    assert routing_emails() == []


def test_notify_returns_nothing_when_the_routing_did_not_change(complete_partner):
    info = contact_information_for(complete_partner)
    snapshot = info.as_dict()
    other = {**snapshot, "operator": [{"email": "x@acme.example"}]}
    activity = Activity.objects.create(partner=complete_partner, action=Activity.Action.CONTACTS_UPDATED)
    assert not routing_changed(snapshot, other)
    assert routing_change_notify(partner=complete_partner, activity=activity, before=snapshot, after=other) == []
    # A reordering of the same rows is no change either.
    reordered = {**snapshot, "technical_emergency": [{"email": "b@x.example"}, {"email": "a@x.example"}]}
    ordered = {**snapshot, "technical_emergency": [{"email": "a@x.example"}, {"email": "b@x.example"}]}
    assert not routing_changed(reordered, ordered)


def test_replaced_addresses_are_compared_by_their_canonical_form():
    before = {"technical_emergency": [{"email": "Ops@Acme.example"}], "alert": ["a@acme.example"], "shared": []}
    after = {"technical_emergency": [{"email": "ops@acme.example"}], "alert": [], "shared": []}
    assert list(replaced_addresses(before, after)) == ["a@acme.example"]


def test_an_admin_who_left_is_not_emailed(complete_partner, admin_user, second_admin):
    Membership.objects.filter(user=second_admin).delete()
    save(signed_in(admin_user), complete_partner, technical_emergency=("new-oncall@acme.example",))
    assert "boss@acme.example" not in [email.to for email in routing_emails()]


def test_removing_an_alert_contact_member_is_a_routing_change_recorded_and_told(complete_partner, admin_user):
    from contacts.services import membership_remove
    from partners.models import Activity

    leaving = make_member(complete_partner, Role.EDITOR, email="leaving@acme.example")
    contact_information_for(complete_partner).alert_contacts.add(leaving)
    membership_remove(membership=complete_partner.memberships.get(user=leaving), actor=admin_user)
    change = Activity.objects.filter(partner=complete_partner, action=Activity.Action.CONTACTS_UPDATED).latest("pk")
    assert "leaving@acme.example" in change.before["alert"] and "leaving@acme.example" not in change.after["alert"]
    emails = {email.to: email for email in routing_emails()}
    assert sorted(emails) == sorted([admin_user.email, "leaving@acme.example"])  # the Admins, and the replaced
