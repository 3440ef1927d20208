"""Handing the contact information over: the invitation says who asks and what waits, the inviter hears when it is
done, and a Viewer facing the modal can remind the Admins and Editors (rate-limited)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail, User
from contacts.models import Contact
from contacts.services import MEMBER_INTERVAL, PARTNER_INTERVAL, contact_information_for, contact_status_refresh
from partners.integrations import INTEGRATION_KINDS
from partners.models import Membership, Partner, Role
from partners.services import invitation_accept, invitation_create
from tests.helpers import (
    admin_of,
    complete_contacts,
    contact_form_data,
    html_element,
    make_member,
    make_partner,
    signed_in,
    visible_text,
)

MODAL = reverse("contacts:onboarding")
REMIND = reverse("contacts:remind")
LINK = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")


@pytest.fixture
def acme(db):
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    ana = admin_of(partner)
    ana.name = "Ana García"
    ana.save(update_fields=["name"])
    return partner


@pytest.fixture
def ana(acme):
    return admin_of(acme)


def invite(sent, partner, inviter, email="bea@acme.example", role=Role.EDITOR):
    """Invite `email` and return (the invitation, the email that carried it)."""
    with sent() as outbox:
        invitation = invitation_create(partner=partner, email=email, role=role, inviter=inviter)
    [message] = outbox
    return invitation, message


def join(invitation, name="Bea Ortiz", language="en"):
    """The invitee creates an account and accepts: returns the new user."""
    user = User.objects.create_user(email=invitation.email, password="x-Long-passw0rd", name=name, language=language)
    invitation_accept(invitation=invitation, user=user)
    return user


def complete_from_the_modal(user, sent):
    """`user` fills the modal's form with everything Sandbox needs; returns what the outbox sent meanwhile."""
    with sent() as outbox:
        response = signed_in(user).post(MODAL, contact_form_data(version=0))
    assert response.status_code == 302, response.content.decode()[:2000]
    # Each new contact address is asked to confirm itself (tests/test_verification.py): not the hand-off's mail.
    return [message for message in outbox if "/verify-address/" not in message.body]


# --- The invitation says who asks, for what, and what waits --------------------------------------------------


class TestTheInvitation:
    def test_the_email_names_the_inviter_with_their_address_the_partner_and_the_role(self, acme, ana, sent):
        _invitation, message = invite(sent, acme, ana)
        body = " ".join(message.body.split())
        assert "Ana García (ana@acme.example) invited you to Acme Bookings on the Partner Portal, as Editor." in body
        assert "Editors edit the contact information." in body

    def test_while_the_contact_information_waits_the_email_says_so_and_what_it_takes(self, acme, ana, sent):
        _invitation, message = invite(sent, acme, ana)
        body = " ".join(message.body.split())
        assert "The contact information of Acme Bookings is waiting to be completed" in body
        assert "in 7 categories" in body and "about 10 minutes" in body
        assert "nobody at Acme Bookings can use the rest of the Partner Portal" in body
        assert "You can complete it as soon as you join." in body

    def test_a_viewer_is_told_someone_else_completes_it(self, acme, ana, sent):
        _invitation, message = invite(sent, acme, ana, role=Role.VIEWER)
        body = " ".join(message.body.split())
        assert "as Viewer." in body
        assert "As a Viewer you can read it; an Admin or Editor completes it." in body
        assert "You can complete it as soon as you join." not in body

    def test_an_integration_without_merchant_issues_has_six_categories(self, db, sent):
        partner = make_partner("Clinic", integration="appointments")
        _invitation, message = invite(sent, partner, admin_of(partner))
        assert "in 6 categories" in " ".join(message.body.split())

    def test_the_category_count_agrees_with_the_categories_shown(self):
        from contacts.categories import categories_for

        for kind in INTEGRATION_KINDS.values():
            assert kind.contact_category_count == len(categories_for(kind))

    def test_once_complete_the_email_does_not_say_it_waits(self, acme, ana, sent):
        complete_contacts(acme)
        _invitation, message = invite(sent, acme, ana)
        assert "waiting to be completed" not in message.body
        assert "Ana García (ana@acme.example) invited you" in message.body

    def test_an_inviter_without_a_name_is_named_by_their_address_once(self, acme, sent):
        nameless = make_member(acme, Role.ADMIN, email="ops-lead@acme.example")
        _invitation, message = invite(sent, acme, nameless)
        assert "ops-lead@acme.example invited you to Acme Bookings" in message.body
        assert "(ops-lead@acme.example)" not in message.body

    def test_the_accept_page_says_the_same(self, acme, ana, sent):
        _invitation, message = invite(sent, acme, ana)
        page = Client().get(LINK.search(message.body).group(1))
        text = visible_text(page.content.decode())
        assert page.status_code == 200
        assert "Ana García (ana@acme.example) invited you (bea@acme.example) to Acme Bookings" in page.content.decode()
        assert "as Editor." in text and "Editors edit the contact information." in text
        assert "waiting to be completed" in text and "about 10 minutes" in text

    def test_the_accept_page_of_a_complete_partner_does_not_say_it_waits(self, acme, ana, sent):
        _invitation, message = invite(sent, acme, ana)
        complete_contacts(acme)
        page = Client().get(LINK.search(message.body).group(1)).content.decode()
        assert "Ana García (ana@acme.example) invited you" in page
        assert "waiting to be completed" not in page


# --- The inviter hears when the person they invited completes it ----------------------------------------------


class TestTheInviterIsTold:
    def test_when_their_invitee_completes_it_the_inviter_gets_one_email(self, acme, ana, sent):
        invitation, _message = invite(sent, acme, ana)
        bea = join(invitation)
        outbox = complete_from_the_modal(bea, sent)
        [message] = [m for m in outbox if m.to == ["ana@acme.example"]]
        assert message.subject == "Bea Ortiz completed the contact information of Acme Bookings"
        body = " ".join(message.body.split())
        assert "Bea Ortiz (bea@acme.example), whom you invited, completed the contact information of Acme Bookings" in (
            body
        )
        assert "Before launch, Production still needs: - Choose at least one alert contact." in body
        assert reverse("contacts:settings") in body
        acme.refresh_from_db()
        assert acme.contacts_completed_at is not None

    def test_the_email_is_in_the_inviters_language(self, acme, ana, sent):
        ana.language = "es"
        ana.save(update_fields=["language"])
        invitation, _message = invite(sent, acme, ana)
        complete_from_the_modal(join(invitation), sent)
        assert OutgoingEmail.objects.filter(to="ana@acme.example").get().language == "es"

    def test_it_is_queued_with_the_save_and_not_sent_before_the_commit(self, acme, ana, sent, mailoutbox):
        invitation, _message = invite(sent, acme, ana)
        bea = join(invitation)
        mailoutbox.clear()
        signed_in(bea).post(MODAL, contact_form_data(version=0))  # the test's transaction never commits
        assert mailoutbox == []
        assert OutgoingEmail.objects.filter(to="ana@acme.example", status=OutgoingEmail.Status.QUEUED).exists()

    def test_no_email_when_the_inviter_completes_it_themselves(self, acme, ana, sent):
        invite(sent, acme, ana)
        outbox = complete_from_the_modal(ana, sent)
        assert outbox == []
        acme.refresh_from_db()
        assert acme.contacts_completed_at is not None

    def test_no_email_when_the_member_was_not_invited(self, acme, ana, sent):
        eddie = make_member(acme, Role.EDITOR, name="Eddie Editor")
        assert complete_from_the_modal(eddie, sent) == []

    def test_no_email_when_the_inviter_has_left(self, acme, ana, sent):
        other_admin = make_member(acme, Role.ADMIN, email="carla@acme.example")
        invitation, _message = invite(sent, acme, other_admin)
        bea = join(invitation)
        Membership.objects.filter(user=other_admin, partner=acme).delete()
        assert complete_from_the_modal(bea, sent) == []

    def test_never_twice(self, acme, ana, sent):
        invitation, _message = invite(sent, acme, ana)
        bea = join(invitation)
        assert len(complete_from_the_modal(bea, sent)) == 1
        # An operator empties a category: the gate closes again; when Bea completes it again, Ana is not told twice.
        info = contact_information_for(acme)
        Contact.objects.filter(contact_information=info, category="operator").delete()
        contact_status_refresh(partner=acme, info=info)
        info.refresh_from_db()
        with sent() as outbox:
            response = signed_in(bea).post(MODAL, contact_form_data(version=info.version))
        assert response.status_code == 302
        assert outbox == []

    def test_a_save_of_complete_contact_information_tells_nobody(self, acme, ana, sent):
        invitation, _message = invite(sent, acme, ana)
        bea = join(invitation)
        complete_contacts(acme)  # complete before Bea ever saves
        Partner.objects.filter(pk=acme.pk).update(contacts_completed_at=None)
        info = contact_information_for(acme)
        with sent() as outbox:
            signed_in(bea).post(reverse("contacts:edit"), contact_form_data(version=info.version))
        # The save replaced every address: new ones are asked to confirm, the Admin hears of the new routing;
        # nobody is told it was completed.
        assert not [message for message in outbox if "completed" in message.subject]
        assert outbox  # (the emails above did go: this test would pass vacuously otherwise)


# --- A Viewer facing the modal reminds the Admins and Editors -------------------------------------------------


@pytest.fixture
def vera(acme):
    return make_member(acme, Role.VIEWER, name="Vera Viewer", email="vera@acme.example")


@pytest.fixture
def eddie(acme):
    user = make_member(acme, Role.EDITOR, name="Eddie Editor", email="eddie@acme.example")
    user.language = "es"
    user.save(update_fields=["language"])
    return user


def remind(client, sent, next_url=MODAL):
    with sent() as outbox:
        response = client.post(REMIND, {"next": next_url}, follow=True)
    return response, list(outbox)


class TestReminders:
    def test_a_viewer_facing_the_modal_is_offered_the_button(self, acme, vera):
        page = signed_in(vera).get(MODAL).content.decode()
        form = html_element(page, "form", action=REMIND)
        assert "Remind them" in str(form)
        assert html_element(str(form), "input", type="hidden", name="next", value=MODAL)

    def test_editors_are_not_offered_it(self, acme, eddie):
        assert REMIND not in signed_in(eddie).get(MODAL).content.decode()

    def test_it_is_not_offered_once_complete(self, acme, ana, vera):
        complete_contacts(acme, alerts=[ana])
        page = signed_in(vera).get(reverse("contacts:edit")).content.decode()
        assert "view-only access" in page and REMIND not in page

    def test_one_email_to_each_admin_and_editor_in_their_language(self, acme, ana, vera, eddie, sent):
        make_member(acme, Role.VIEWER, email="other-viewer@acme.example")
        response, outbox = remind(signed_in(vera), sent)
        assert response.redirect_chain[-1][0] == MODAL
        assert sorted(m.to[0] for m in outbox) == ["ana@acme.example", "eddie@acme.example"]
        to_ana = next(m for m in outbox if m.to == ["ana@acme.example"])
        assert to_ana.subject == "Vera Viewer asks you to complete the contact information of Acme Bookings"
        body = " ".join(to_ana.body.split())
        assert "Vera Viewer (vera@acme.example) asks you to complete the contact information of Acme Bookings" in body
        assert "- Add at least one technical emergency contact." in body
        assert reverse("contacts:edit") in body
        languages = dict(OutgoingEmail.objects.values_list("to", "language"))
        assert languages["eddie@acme.example"] == "es" and languages["ana@acme.example"] == "en"
        assert "Reminder sent to Ana García and Eddie Editor." in response.content.decode()

    def test_a_second_click_says_when_the_next_reminder_is_possible(self, acme, ana, vera, sent):
        client = signed_in(vera)
        remind(client, sent)
        response, outbox = remind(client, sent)
        assert outbox == []
        page = visible_text(response.content.decode())
        assert "You sent a reminder 0 minutes ago. You can send the next one in 23 hours, 59 minutes." in page

    def test_one_a_day_per_member(self, acme, ana, vera, sent):
        client = signed_in(vera)
        remind(client, sent)
        earlier = timezone.now() - PARTNER_INTERVAL - timedelta(minutes=1)
        Partner.objects.filter(pk=acme.pk).update(reminded_at=earlier)
        Membership.objects.filter(user=vera).update(reminded_at=earlier)
        _response, outbox = remind(client, sent)
        assert outbox == []  # an hour later: the account may be reminded again, but not by Vera
        Membership.objects.filter(user=vera).update(reminded_at=timezone.now() - MEMBER_INTERVAL)
        _response, outbox = remind(client, sent)
        assert [m.to for m in outbox] == [["ana@acme.example"]]

    def test_one_an_hour_per_partner(self, acme, ana, vera, sent):
        remind(signed_in(vera), sent)
        walter = make_member(acme, Role.VIEWER, email="walter@acme.example")
        response, outbox = remind(signed_in(walter), sent)
        assert outbox == []
        assert "Someone at Acme Bookings sent a reminder 0 minutes ago. You can send the next one in 59 minutes." in (
            visible_text(response.content.decode())
        )
        Partner.objects.filter(pk=acme.pk).update(reminded_at=timezone.now() - PARTNER_INTERVAL)
        _response, outbox = remind(signed_in(walter), sent)
        assert [m.to for m in outbox] == [["ana@acme.example"]]

    def test_members_who_can_edit_may_not_send_one(self, acme, ana, eddie, sent):
        for user in (ana, eddie):
            with sent() as outbox:
                assert signed_in(user).post(REMIND).status_code == 403
            assert outbox == []

    def test_a_complete_partner_sends_nothing(self, acme, ana, vera, sent):
        complete_contacts(acme, alerts=[ana])
        response, outbox = remind(signed_in(vera), sent, next_url=reverse("contacts:edit"))
        assert outbox == []
        assert "The contact information of Acme Bookings is complete." in response.content.decode()

    def test_next_must_be_on_this_site(self, acme, ana, vera, sent):
        with sent():
            response = signed_in(vera).post(REMIND, {"next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")

    def test_only_a_post_and_only_members(self, acme, vera):
        assert signed_in(vera).get(REMIND).status_code == 405
        assert Client().post(REMIND).status_code == 302  # to sign in
        stranger = User.objects.create_user(email="nobody@elsewhere.example", password="x-Long-passw0rd")
        assert signed_in(stranger).post(REMIND).status_code == 403


def test_the_migration_marks_partners_already_complete(acme, ana):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("partners.migrations.0004_handoff_and_reminders")
    waiting = make_partner("Still Waiting")
    complete_contacts(acme)
    migration.mark_complete_partners(apps, None)
    assert Partner.objects.get(pk=acme.pk).contacts_completed_at is not None
    assert Partner.objects.get(pk=waiting.pk).contacts_completed_at is None
