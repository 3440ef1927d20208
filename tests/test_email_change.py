"""Changing one's own email address: the new address is confirmed by a single-use link before it takes effect."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from accounts.models import EmailChange, OutgoingEmail, User, token_digest
from accounts.services import EMAIL_CHANGES_PER_HOUR, EmailChangeError, email_change_confirm, email_change_request
from tests.helpers import PASSWORD, html_element, signed_in

CHANGE = reverse("email_change")
PROFILE = reverse("profile")
NEW = "ana.new@acme.example"


@pytest.fixture
def ana(db):
    return User.objects.create_user(email="ana@acme.example", password=PASSWORD, name="Ana")


def ask(client, new_email=NEW, password=PASSWORD):
    return client.post(CHANGE, {"new_email": new_email, "password": password})


def link_in(outbox, to):
    """The confirmation link of the email sent to `to`."""
    message = next(m for m in outbox if m.to == [to])
    return re.search(r"https?://\S+/accounts/email/confirm/\S+/", message.body).group(0)


def sign_in(email):
    return Client().post(reverse("login"), {"username": email, "password": PASSWORD})


def path_of(link):
    return "/" + link.split("/", 3)[3]


class TestAsking:
    def test_the_profile_links_to_it(self, ana):
        page = signed_in(ana).get(PROFILE).content.decode()
        assert html_element(page, "a", href=CHANGE)

    def test_a_link_goes_to_the_new_address_and_a_notice_to_the_old(self, ana, sent):
        client = signed_in(ana)
        with sent() as outbox:
            response = ask(client)
        assert response.status_code == 302 and response["Location"] == PROFILE
        assert sorted(m.to[0] for m in outbox) == sorted(["ana@acme.example", NEW])
        notice = next(m for m in outbox if m.to == ["ana@acme.example"])
        assert NEW in notice.body and "/confirm/" not in notice.body
        assert link_in(outbox, NEW)
        ana.refresh_from_db()
        assert ana.email == "ana@acme.example"  # nothing changes before the link is used

    def test_only_the_tokens_digest_is_stored_and_the_link_is_marked_one_time(self, ana, sent):
        with sent() as outbox:
            ask(signed_in(ana))
        token = link_in(outbox, NEW).rstrip("/").rsplit("/", 1)[1]
        change = EmailChange.objects.get()
        assert change.token_hash == token_digest(token) and token not in change.token_hash
        assert OutgoingEmail.objects.get(to=NEW).one_time_link
        assert timedelta(hours=23) < change.expires_at - timezone.now() <= timedelta(hours=24)

    def test_the_current_password_is_asked(self, ana):
        response = ask(signed_in(ana), password="wrong")
        assertContains(response, "This is not your current password.")
        assert not EmailChange.objects.exists()

    @pytest.mark.parametrize(
        ("address", "error"),
        [
            ("BOB@acme.example", "already used by another account"),
            ("bob@acme.example", "already used by another account"),
            ("bob@acme.exampl\u0435", None),  # Cyrillic e: a different domain, not taken
            ("bob@acm\u00e9.example", "looks like the address of another account"),  # an accent
            ("ana@acme.example", "already your address"),
        ],
    )
    def test_an_address_taken_or_looking_taken_is_refused(self, ana, address, error):
        User.objects.create_user(email="bob@acme.example", password=PASSWORD)
        if error is None:
            email_change_request(user=ana, new_email=address)
            return
        with pytest.raises(EmailChangeError, match=error):
            email_change_request(user=ana, new_email=address)
        response = ask(signed_in(ana), address)
        assertContains(response, error)

    def test_at_most_three_requests_an_hour(self, ana):
        client = signed_in(ana)
        for i in range(EMAIL_CHANGES_PER_HOUR):
            assert ask(client, f"new{i}@acme.example").status_code == 302
        response = ask(client, "one.more@acme.example")
        assertContains(response, "Try again later.")
        assert EmailChange.objects.count() == EMAIL_CHANGES_PER_HOUR
        EmailChange.objects.update(created_at=timezone.now() - timedelta(minutes=61))
        assert ask(client, "one.more@acme.example").status_code == 302

    def test_the_change_page_needs_signing_in(self, db):
        response = Client().get(CHANGE)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


class TestConfirming:
    @pytest.fixture
    def link(self, ana, sent):
        with sent() as outbox:
            ask(signed_in(ana))
        return path_of(link_in(outbox, NEW))

    def test_opening_the_link_changes_nothing_until_the_button(self, ana, link):
        response = Client().get(link)
        assertContains(response, "Confirm new address")
        ana.refresh_from_db()
        assert ana.email == "ana@acme.example"

    def test_the_button_changes_the_address_signed_out(self, ana, link):
        response = Client().post(link)
        assertContains(response, "From now on you sign in with ana.new@acme.example")
        ana.refresh_from_db()
        assert ana.email == NEW and ana.email_canonical == NEW
        assert sign_in(NEW).status_code == 302
        assert sign_in("ana@acme.example").status_code == 200  # the form again, with its error

    def test_the_session_stays_valid(self, ana, link):
        client = signed_in(ana)
        client.post(link)
        response = client.get(PROFILE)
        assert response.status_code == 200
        assertContains(response, f"You sign in as {NEW}.")

    def test_the_link_works_once(self, ana, link):
        Client().post(link)
        response = Client().post(link)
        assert response.status_code == 410
        assert Client().get(link).status_code == 410

    def test_an_expired_link_does_not_work(self, ana, link):
        EmailChange.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert Client().post(link).status_code == 410
        ana.refresh_from_db()
        assert ana.email == "ana@acme.example"

    def test_a_newer_request_replaces_the_older_link(self, ana, link, sent):
        with sent() as outbox:
            ask(signed_in(ana), "ana.other@acme.example")
        assert Client().post(link).status_code == 410
        assert Client().post(path_of(link_in(outbox, "ana.other@acme.example"))).status_code == 200
        ana.refresh_from_db()
        assert ana.email == "ana.other@acme.example"

    def test_an_address_taken_meanwhile_is_refused_at_confirmation(self, ana, link):
        User.objects.create_user(email=NEW, password=PASSWORD)
        response = Client().post(link)
        assertContains(response, "already used by another account", status_code=410)
        ana.refresh_from_db()
        assert ana.email == "ana@acme.example"

    def test_a_wrong_token_is_gone(self, db):
        assert Client().get(reverse("email_change_confirm", args=["nope"])).status_code == 410

    def test_the_confirm_page_is_not_gated(self, partner, ana, link):
        from partners.models import Membership, Role

        Membership.objects.create(user=ana, partner=partner, role=Role.VIEWER)
        assert partner.missing_sandbox  # the gate holds for Ana
        client = signed_in(ana)
        assert client.get(link).status_code == 200
        assert client.get(CHANGE).status_code == 200
        client.post(link)
        ana.refresh_from_db()
        assert ana.email == NEW

    def test_the_service_refuses_a_used_change(self, ana, link):
        change = EmailChange.objects.get()
        email_change_confirm(change=change)
        with pytest.raises(EmailChangeError):
            email_change_confirm(change=change)
