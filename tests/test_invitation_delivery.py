"""Invitation emails: what arrives is plain text, and a mail server that is down leaves nothing behind."""

import smtplib

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import Activity, Invitation, Role
from partners.services import MembershipError, invitation_create, invitation_resend
from tests.helpers import admin_of, complete_contacts, make_partner, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(monkeypatch):
    """Every email fails as it would with the SMTP server unreachable."""

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("partners.services.send_mail", refuse)


def test_the_subject_and_body_are_plain_text_not_html_escaped():
    partner = make_partner("O'Brien & Sons <Travel>")
    invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=admin_of(partner))
    [message] = mail.outbox
    assert message.subject == "You are invited to O'Brien & Sons <Travel> on the Partner Portal"
    assert "O'Brien & Sons <Travel>" in message.body
    assert "&amp;" not in message.subject + message.body and "&#x27;" not in message.subject + message.body


def test_a_partner_name_with_line_breaks_still_gives_a_one_line_subject():
    partner = make_partner("Acme")
    partner.name = "Acme\r\nBcc: x@evil.example"
    partner.save()
    invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=admin_of(partner))
    assert "\n" not in mail.outbox[0].subject and "\r" not in mail.outbox[0].subject
    assert mail.outbox[0].to == ["pat@elsewhere.example"]


def test_smtp_down_leaves_no_invitation_and_says_so(smtp_down):
    partner = make_partner()
    complete_contacts(partner)
    response = signed_in(admin_of(partner)).post(
        reverse("portal:invite"), {"email": "pat@elsewhere.example", "role": "editor"}
    )
    assert response.status_code == 200
    assert "could not send the invitation email" in " ".join(response.context["invite_form"].errors["email"])
    assert not Invitation.objects.exists()
    assert not Activity.objects.filter(action=Activity.Action.INVITATION_SENT).exists()


def test_smtp_down_counts_nothing_toward_the_hourly_limit(smtp_down, settings):
    settings.INVITATIONS_PER_HOUR = 1
    partner = make_partner()
    for _ in range(3):
        with pytest.raises(MembershipError):
            invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=None)
    assert partner.invitations.count() == 0


def test_a_failed_resend_keeps_the_earlier_link_working(monkeypatch):
    partner = make_partner()
    invitation = invitation_create(partner=partner, email="pat@elsewhere.example", role=Role.EDITOR, inviter=None)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("partners.services.send_mail", refuse)
    with pytest.raises(MembershipError):
        invitation_resend(invitation=invitation, actor=None)
    assert Invitation.objects.pending().get() == invitation
