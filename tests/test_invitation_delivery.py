"""Invitation emails: what arrives is plain text, and a mail server that is down loses nothing: the invitation is
made, its email is retried, and the Users tab says it is not delivered yet, then that it was not delivered."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import OutgoingEmail, User
from accounts.outbox import MAX_ATTEMPTS
from partners.models import Activity, Invitation, Role
from partners.services import invitation_create, invitation_resend
from tests.helpers import PASSWORD, admin_of, complete_contacts, make_partner, signed_in
from tests.test_outbox import LOCMEM, REFUSING, time_passes, use_mailer

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
USERS = reverse("portal:users")
LINK = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")
RETRYING = "Not delivered yet — retrying"
FAILED = "Not delivered — resend the invitation"


@pytest.fixture
def smtp_down(settings):
    """Every email fails as it would with the SMTP server refusing connections."""
    use_mailer(settings, REFUSING)


@pytest.fixture
def admin_client(db):
    """An Admin of a partner whose contact information is complete, on Settings › Users."""
    partner = make_partner("Acme")
    complete_contacts(partner)
    return signed_in(admin_of(partner))


def invitation_row(page, email):
    """The row of the pending invitations table that names `email`."""
    return next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if email in row)


def test_the_subject_and_body_are_plain_text_not_html_escaped(sent):
    partner = make_partner("O'Brien & Sons <Travel>")
    with sent() as outbox:
        invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=admin_of(partner))
    [message] = outbox
    assert message.subject == "You are invited to O'Brien & Sons <Travel> on the Partner Portal"
    assert "O'Brien & Sons <Travel>" in message.body
    assert "&amp;" not in message.subject + message.body and "&#x27;" not in message.subject + message.body


def test_a_partner_name_with_line_breaks_still_gives_a_one_line_subject(sent):
    partner = make_partner("Acme")
    partner.name = "Acme\r\nBcc: x@evil.example"
    partner.save()
    with sent() as outbox:
        invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=admin_of(partner))
    assert "\n" not in outbox[0].subject and "\r" not in outbox[0].subject
    assert outbox[0].to == ["pat@elsewhere.example"]


def test_the_invitation_remembers_its_email_and_the_link_is_erased_once_delivered(sent):
    partner = make_partner()
    with sent() as outbox:
        invitation = invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=None)
    invitation.message.refresh_from_db()
    assert invitation.message.to == "pat@elsewhere.example" and invitation.message.delivered
    assert LINK.search(outbox[0].body) and not LINK.search(invitation.message.body)


class TestSmtpDown:
    def test_the_invitation_is_made_and_its_email_retried_with_no_error(self, smtp_down, admin_client, sent):
        with sent() as outbox:
            response = admin_client.post(reverse("portal:invite"), {"email": "pat@elsewhere.example", "role": "editor"})
        assert response.status_code == 302 and response["Location"] == USERS
        assert outbox == []
        invitation = Invitation.objects.pending().get()
        assert invitation.email == "pat@elsewhere.example"
        assert Activity.objects.filter(action=Activity.Action.INVITATION_SENT, subject=invitation.email).exists()
        email = OutgoingEmail.objects.get(pk=invitation.message_id)
        assert (email.status, email.attempts) == (Status.QUEUED, 1) and email.retrying
        assert "ConnectionRefusedError" in email.last_error

    def test_the_users_tab_says_not_delivered_yet_then_not_delivered(
        self, smtp_down, admin_client, db_tasks, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(reverse("portal:invite"), {"email": "pat@elsewhere.example", "role": "editor"})
        assert "pat@elsewhere.example" in invitation_row(admin_client.get(USERS).content.decode(), "pat@")
        db_tasks()  # the first attempt fails
        row = invitation_row(admin_client.get(USERS).content.decode(), "pat@elsewhere.example")
        assert RETRYING in row and FAILED not in row
        for _ in range(MAX_ATTEMPTS - 1):
            time_passes(timedelta(hours=1))
            db_tasks()
        assert OutgoingEmail.objects.get().status == Status.FAILED
        row = invitation_row(admin_client.get(USERS).content.decode(), "pat@elsewhere.example")
        assert FAILED in row and RETRYING not in row

    def test_nothing_is_lost_once_the_server_is_back_the_link_arrives_and_works(
        self, smtp_down, admin_client, db_tasks, settings, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(reverse("portal:invite"), {"email": "pat@elsewhere.example", "role": "editor"})
        db_tasks()
        assert mailoutbox == []
        use_mailer(settings, LOCMEM)
        time_passes(timedelta(minutes=1))
        db_tasks()
        [message] = mailoutbox
        response = Client().post(
            LINK.search(message.body).group(1), {"name": "Pat", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 302
        assert User.objects.get(email="pat@elsewhere.example").memberships.get().role == Role.EDITOR
        page = admin_client.get(USERS).content.decode()
        assert RETRYING not in page and FAILED not in page

    def test_a_resend_after_a_failure_sends_a_fresh_link_and_clears_the_warning(
        self, smtp_down, admin_client, settings, sent
    ):
        with sent():
            admin_client.post(reverse("portal:invite"), {"email": "pat@elsewhere.example", "role": "editor"})
        OutgoingEmail.objects.update(status=Status.FAILED, attempts=MAX_ATTEMPTS)
        assert FAILED in admin_client.get(USERS).content.decode()
        use_mailer(settings, LOCMEM)
        invitation = Invitation.objects.pending().get()
        with sent() as outbox:
            response = admin_client.post(reverse("portal:invitation_resend", args=[invitation.pk]))
        assert response.status_code == 302 and len(outbox) == 1 and LINK.search(outbox[0].body)
        page = admin_client.get(USERS).content.decode()
        assert FAILED not in page and RETRYING not in page and "pat@elsewhere.example" in page

    def test_a_resend_with_the_server_down_still_makes_a_fresh_link(self, smtp_down, sent):
        partner = make_partner()
        with sent():
            first = invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=None)
            fresh = invitation_resend(invitation=first, actor=None)
        assert Invitation.objects.pending().get() == fresh != first
        assert fresh.message != first.message and fresh.message.to == "pat@elsewhere.example"
        assert OutgoingEmail.objects.get(pk=fresh.message_id).retrying


def test_the_delivery_state_costs_no_query_per_invitation(smtp_down, admin_client, sent, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def invite(email):
        with sent():
            admin_client.post(reverse("portal:invite"), {"email": email, "role": "editor"})

    invite("one@elsewhere.example")
    with CaptureQueriesContext(connection) as one:
        admin_client.get(USERS)
    queries = len(one)  # now: every request clears the connection's query log
    for n in range(4):
        invite(f"more{n}@elsewhere.example")
    OutgoingEmail.objects.filter(to="more0@elsewhere.example").update(status=Status.FAILED)
    with django_assert_num_queries(queries):
        page = admin_client.get(USERS).content.decode()
    assert page.count(RETRYING) == 4 and page.count(FAILED) == 1


class TestAnInvitationWithdrawnBeforeItsEmailWent:
    """Revoked, replaced or resent while its email still waits (SMTP down, or a long queue): the old link never
    goes out, to a mistyped address least of all."""

    @pytest.fixture
    def waiting(self, db_tasks):
        partner = make_partner("Acme")
        admin = admin_of(partner)
        invitation = invitation_create(partner=partner, email="pat@acme.exmaple", role=Role.EDITOR, inviter=admin)
        return invitation, admin

    def test_revoking_cancels_the_email(self, waiting, db_tasks, mailoutbox):
        from partners.services import invitation_revoke

        invitation, admin = waiting
        invitation_revoke(invitation=invitation, actor=admin)
        db_tasks()
        invitation.message.refresh_from_db()
        assert invitation.message.status == OutgoingEmail.Status.CANCELLED and mailoutbox == []
        assert "/invitations/" not in invitation.message.body

    def test_resending_sends_only_the_new_link(self, waiting, db_tasks, mailoutbox):
        invitation, admin = waiting
        fresh = invitation_resend(invitation=invitation, actor=admin)
        db_tasks()
        assert [m.to for m in mailoutbox] == [["pat@acme.exmaple"]]
        invitation.message.refresh_from_db()
        assert invitation.message.status == OutgoingEmail.Status.CANCELLED
        fresh.message.refresh_from_db()
        assert fresh.message.status == OutgoingEmail.Status.SENT

    def test_inviting_the_address_again_cancels_the_earlier_email(self, waiting, db_tasks, mailoutbox):
        invitation, admin = waiting
        invitation_create(partner=invitation.partner, email="pat@acme.exmaple", role=Role.VIEWER, inviter=admin)
        db_tasks()
        assert len(mailoutbox) == 1
        invitation.message.refresh_from_db()
        assert invitation.message.status == OutgoingEmail.Status.CANCELLED


def test_an_existing_account_is_invited_in_its_own_language(sent):
    partner = make_partner("Acme")
    User.objects.create_user(email="ana@elsewhere.example", password=PASSWORD, language="es")
    with sent() as outbox:
        invitation_create(partner=partner, email="ana@elsewhere.example", role=Role.EDITOR, inviter=admin_of(partner))
    assert outbox[0].subject == "Invitación para unirte a Acme en el Portal para socios"
