"""Invitations: sending them, following the link, dead links, resending, revoking and the rules around them."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from accounts.models import MailingList, Subscription, User
from partners.models import Activity, Invitation, Membership, Role, hash_token
from partners.services import MembershipError, invitation_accept, invitation_create
from tests.helpers import (
    PASSWORD,
    admin_of,
    contact_form_data,
    html_element,
    html_elements,
    make_member,
    make_partner,
    signed_in,
)

USERS = reverse("portal:users")
MODAL = reverse("contacts:onboarding")
INVITE = reverse("portal:invite")
DASHBOARD = reverse("portal:dashboard")
LINK = re.compile(r"https?://[^/\s]+(/invitations/([^/\s]+)/)")
DEAD = "This invitation link no longer works"
NEW_PASSWORD = "Corr3ct-horse-battery"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST and run what waits for the commit (the emails), as the real request would."""

    def post(client, url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return post


@pytest.fixture
def invite(post):
    """An Admin's client invites an address; returns the response."""

    def invite(client, email, role=Role.EDITOR, url=MODAL, **kwargs):
        """`url` is the page the form was shown on: the modal's Users tab or Settings › Users."""
        frame = {"frame": "onboarding"} if url == MODAL else {}
        return post(client, INVITE, {"email": email, "role": role, **frame}, **kwargs)

    return invite


def link_path(message):
    """The invitation path in an email."""
    return LINK.search(message.body).group(1)


def accept_as_new_user(path, name="Nina Newcomer", password=NEW_PASSWORD, password2=None):
    """An anonymous visitor creates an account from the link; returns the client and the response."""
    client = Client()
    response = client.post(
        path, {"name": name, "password1": password, "password2": password if password2 is None else password2}
    )
    return client, response


@pytest.fixture
def invitation_path(partner, admin_user, invite):
    """The emailed link of a pending Editor invitation to new@elsewhere.example."""
    invite(signed_in(admin_user), "new@elsewhere.example")
    return link_path(mail.outbox[-1])


class TestSendingFromSettings:
    EMAIL = "pat@elsewhere.example"

    @pytest.fixture
    def response(self, complete_partner, partner_admin_client, invite):
        return invite(partner_admin_client, self.EMAIL, url=USERS)

    def test_one_email_goes_to_the_invited_address_with_a_link(self, response):
        assert response.status_code == 302 and response["Location"] == USERS
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [self.EMAIL]
        assert LINK.search(mail.outbox[0].body)

    def test_only_the_hash_of_the_token_is_stored(self, response):
        token = LINK.search(mail.outbox[0].body).group(2)
        invitation = Invitation.objects.get(email=self.EMAIL)
        assert invitation.token_hash == hash_token(token)
        for field in Invitation._meta.concrete_fields:
            assert token not in str(field.value_from_object(invitation))

    def test_the_link_expires_in_seven_days(self, response):
        invitation = Invitation.objects.get(email=self.EMAIL)
        assert abs(invitation.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    def test_sending_is_recorded(self, response, partner, admin_user):
        activity = Activity.objects.get(partner=partner, action=Activity.Action.INVITATION_SENT)
        assert activity.actor == admin_user
        assert activity.subject == self.EMAIL
        assert activity.after == {"role": Role.EDITOR}

    def test_the_page_lists_the_pending_invitation_with_inviter_and_expiry(self, response, partner_admin_client):
        page = partner_admin_client.get(USERS).content.decode()
        invitation = Invitation.objects.get(email=self.EMAIL)
        with translation.override("en"):
            expiry = date_filter(timezone.localtime(invitation.expires_at), "SHORT_DATETIME_FORMAT")
        row = next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if self.EMAIL in row)
        assert invitation.invited_by.name in row
        assert expiry in row
        assert f"Invitation sent to {self.EMAIL}." in page


class TestSendingFromTheModal:
    def test_an_invitation_from_the_users_tab_returns_to_the_users_tab(self, partner_admin_client, invite):
        response = invite(partner_admin_client, "pat@elsewhere.example")
        assert response.status_code == 302
        assert response["Location"].startswith(MODAL)
        assert response["Location"].endswith("#panel-users")
        assert [message.to for message in mail.outbox] == [["pat@elsewhere.example"]]

    def test_a_bad_email_shows_the_modal_again_on_the_users_tab(self, partner_admin_client, invite):
        response = invite(partner_admin_client, "pat-at-elsewhere")
        page = response.content.decode()
        assert response.status_code == 200
        assert 'id="onboarding-modal"' in page
        assert re.search(r'<ul class="errorlist" id="id_email_error"><li>Enter a valid email address', page)
        assert re.search(r'<input type="email" name="email" value="pat-at-elsewhere"[^>]*id="id_email"', page)
        assert re.search(r'<a role="tab" id="tab-users"[^>]*aria-selected="true"', page)
        assert re.search(r'<a role="tab" id="tab-contacts"[^>]*aria-selected="false"', page)
        assert mail.outbox == []
        assert not Invitation.objects.exists()


class TestChoosingLanguageAndMailingLists:
    """A new member chooses the language of their emails and their mailing lists as they join."""

    def test_the_form_offers_the_page_language_and_no_list_ticked(self, invitation_path):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        page = client.get(invitation_path).content.decode()
        assert html_element(page, "label", **{"for": "id_language"})
        assert html_element(page, "option", value="es", selected=None)
        assert not html_elements(page, "option", value="en", selected=None)
        [fieldset] = [node for node in html_elements(page, "fieldset") if "mailing_lists" in str(node)]
        assert html_element(str(fieldset), "legend")
        boxes = html_elements(str(fieldset), "input", type="checkbox", name="mailing_lists")
        assert sorted(dict(box.attributes)["value"] for box in boxes) == sorted(MailingList.values)
        assert not [box for box in boxes if "checked" in dict(box.attributes)]
        for box in boxes:
            assert html_element(page, "label", **{"for": dict(box.attributes)["id"]})

    def test_the_choices_are_stored_on_the_new_account(self, invitation_path):
        response = Client().post(
            invitation_path,
            {
                "name": "Nina",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "language": "es",
                "mailing_lists": [MailingList.PRODUCT_UPDATES],
            },
        )
        assert response.status_code == 302
        user = User.objects.get(email="new@elsewhere.example")
        assert user.language == "es"
        assert list(user.subscriptions.values_list("mailing_list", flat=True)) == [MailingList.PRODUCT_UPDATES]

    def test_without_a_choice_the_page_language_and_no_lists(self, invitation_path):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        client.post(invitation_path, {"name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        user = User.objects.get(email="new@elsewhere.example")
        assert user.language == "es" and not user.subscriptions.exists()

    @pytest.mark.parametrize("field, value", [("language", "klingon"), ("mailing_lists", "spam")])
    def test_an_unknown_choice_is_refused_and_creates_no_account(self, invitation_path, field, value):
        data = {"name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, field: value}
        response = Client().post(invitation_path, data)
        assert response.status_code == 200 and list(response.context["form"].errors) == [field]
        assert not User.objects.filter(email="new@elsewhere.example").exists()
        assert not Subscription.objects.exists()

    def test_no_subscription_is_left_when_the_link_was_used_a_moment_before(self, invitation_path, monkeypatch):
        from partners import forms

        def used_meanwhile(**kwargs):
            raise MembershipError("used")

        monkeypatch.setattr(forms, "invitation_accept", used_meanwhile)
        data = {
            "name": "Nina",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "mailing_lists": "product_updates",
        }
        response = Client().post(invitation_path, data)
        assert response.status_code == 410
        assert not User.objects.filter(email="new@elsewhere.example").exists()
        assert not Subscription.objects.exists()


class TestAcceptingAsANewUser:
    def test_the_link_shows_a_form_for_a_name_and_a_password(self, invitation_path):
        page = Client().get(invitation_path).content.decode()
        for field in ("name", "password1", "password2"):
            assert f'name="{field}"' in page

    def test_mismatched_passwords_show_an_error_and_create_no_user(self, invitation_path):
        _client, response = accept_as_new_user(invitation_path, password2="Something-else-entirely9")
        assert response.status_code == 200
        assert response.context["form"].errors["password2"]
        assert "Please fix the fields below" in response.content.decode()
        assert not User.objects.filter(email="new@elsewhere.example").exists()
        assert Invitation.objects.get().is_pending

    def test_a_too_short_password_shows_an_error_and_creates_no_user(self, invitation_path):
        _client, response = accept_as_new_user(invitation_path, password="Sh0rt!")
        assert response.status_code == 200
        assert "too short" in response.content.decode()
        assert not User.objects.filter(email="new@elsewhere.example").exists()

    def test_a_good_form_creates_the_user_signs_them_in_and_adds_the_membership(self, invitation_path, partner):
        client, response = accept_as_new_user(invitation_path)
        assert response.status_code == 302 and response["Location"] == DASHBOARD
        user = User.objects.get(email="new@elsewhere.example")
        assert user.name == "Nina Newcomer"
        assert user.check_password(NEW_PASSWORD)
        assert client.session["_auth_user_id"] == str(user.pk)
        assert Membership.objects.get(user=user).partner == partner
        assert Membership.objects.get(user=user).role == Role.EDITOR
        assert Invitation.objects.get().accepted_by == user

    def test_the_new_member_meets_the_modal_while_contacts_are_incomplete(self, invitation_path):
        client, _response = accept_as_new_user(invitation_path)
        response = client.get(DASHBOARD)
        assert response.status_code == 302 and response["Location"].startswith(MODAL)

    def test_the_invitee_completes_the_contacts_and_everyone_gets_in(self, invitation_path, admin_user):
        client, _response = accept_as_new_user(invitation_path)
        saved = client.post(MODAL, contact_form_data())
        assert saved.status_code == 302
        assert client.get(DASHBOARD).status_code == 200
        assert signed_in(admin_user).get(DASHBOARD).status_code == 200


class TestAcceptingWithAnExistingAccount:
    EMAIL = "sam@elsewhere.example"

    @pytest.fixture
    def existing(self, db):
        return User.objects.create_user(email=self.EMAIL, password=PASSWORD, name="Sam Existing")

    @pytest.fixture
    def path(self, existing, partner, admin_user, invite):
        invite(signed_in(admin_user), self.EMAIL, role=Role.VIEWER)
        return link_path(mail.outbox[-1])

    def test_an_anonymous_visitor_is_asked_to_sign_in_and_come_back(self, path):
        response = Client().get(path)
        assert response.status_code == 200
        page = response.content.decode()
        assert "sign in to accept" in page
        assert f'href="{reverse("login")}?{urlencode({"next": path})}"' in page
        assert 'name="password1"' not in page

    def test_signing_in_from_the_link_comes_back_to_it(self, path):
        login = f"{reverse('login')}?{urlencode({'next': path})}"
        response = Client().post(login, {"username": self.EMAIL, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == path

    def test_once_signed_in_an_accept_button_adds_the_membership(self, path, existing, partner):
        client = signed_in(existing)
        assert "Accept invitation" in client.get(path).content.decode()
        response = client.post(path)
        assert response.status_code == 302 and response["Location"] == DASHBOARD
        assert Membership.objects.get(user=existing, partner=partner).role == Role.VIEWER

    def test_the_account_is_found_whatever_the_case_of_the_invited_address(self, existing, partner, admin_user, invite):
        invite(signed_in(admin_user), "SAM@Elsewhere.example")
        path = link_path(mail.outbox[-1])
        assert "sign in to accept" in Client().get(path).content.decode()
        signed_in(existing).post(path)
        assert Membership.objects.filter(user=existing, partner=partner).exists()
        assert User.objects.filter(email__iexact=self.EMAIL).count() == 1

    def test_someone_else_signed_in_is_told_who_it_is_for_and_does_not_join(self, path, partner):
        other = make_member(make_partner("Other Co"))
        client = signed_in(other)
        response = client.get(path)
        assert response.status_code == 403
        assert self.EMAIL in response.content.decode()
        assert client.post(path).status_code == 403
        assert not Membership.objects.filter(user=other, partner=partner).exists()
        assert Invitation.objects.get().is_pending


class TestDeadLinks:
    def expire(self, path):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        return path

    def use(self, path):
        accept_as_new_user(path)
        return path

    def revoke(self, path, admin_user, post):
        post(signed_in(admin_user), reverse("portal:invitation_revoke", args=[Invitation.objects.get().pk]))
        return path

    @pytest.fixture(params=["expired", "used", "revoked", "unknown"])
    def dead_path(self, request, invitation_path, admin_user, post):
        if request.param == "expired":
            return self.expire(invitation_path)
        if request.param == "used":
            return self.use(invitation_path)
        if request.param == "revoked":
            return self.revoke(invitation_path, admin_user, post)
        return reverse("portal:accept_invitation", kwargs={"token": "no-such-token"})

    def test_opening_a_dead_link_says_it_no_longer_works(self, dead_path):
        response = Client().get(dead_path)
        assert response.status_code == 410
        assert DEAD in response.content.decode()

    def test_submitting_a_dead_link_creates_nobody(self, dead_path):
        users = User.objects.count()
        _client, response = accept_as_new_user(dead_path, name="Late Larry")
        assert response.status_code == 410
        assert DEAD in response.content.decode()
        assert User.objects.count() == users

    def test_a_dead_link_is_dead_for_signed_in_users_too(self, dead_path, editor):
        response = signed_in(editor).post(dead_path)
        assert response.status_code == 410


class TestResendAndRevoke:
    def test_resending_sends_a_new_link_and_the_old_one_stops_working(self, invitation_path, admin_user, post):
        pk = Invitation.objects.get().pk
        response = post(signed_in(admin_user), reverse("portal:invitation_resend", args=[pk]))
        assert response.status_code == 302
        assert len(mail.outbox) == 2 and mail.outbox[1].to == ["new@elsewhere.example"]
        new_path = link_path(mail.outbox[1])
        assert new_path != invitation_path
        assert Client().get(invitation_path).status_code == 410
        assert Client().get(new_path).status_code == 200
        _client, accepted = accept_as_new_user(new_path)
        assert accepted.status_code == 302
        assert User.objects.filter(email="new@elsewhere.example").exists()

    def test_resending_is_recorded(self, invitation_path, partner, admin_user, post):
        post(signed_in(admin_user), reverse("portal:invitation_resend", args=[Invitation.objects.get().pk]))
        assert Activity.objects.filter(partner=partner, action=Activity.Action.INVITATION_RESENT).count() == 1

    def test_revoking_kills_the_link_and_is_recorded(self, invitation_path, partner, admin_user, post):
        pk = Invitation.objects.get().pk
        response = post(signed_in(admin_user), reverse("portal:invitation_revoke", args=[pk]))
        assert response.status_code == 302
        assert Client().get(invitation_path).status_code == 410
        assert not partner.invitations.pending().exists()
        assert Activity.objects.filter(partner=partner, action=Activity.Action.INVITATION_REVOKED).count() == 1

    def test_resending_an_accepted_invitation_sends_nothing(self, invitation_path, admin_user, post):
        accept_as_new_user(invitation_path)
        mail.outbox.clear()
        post(signed_in(admin_user), reverse("portal:invitation_resend", args=[Invitation.objects.get().pk]))
        assert mail.outbox == []
        assert not Invitation.objects.pending().exists()

    def test_resending_a_revoked_invitation_does_not_bring_it_back(self, invitation_path, admin_user, post):
        client = signed_in(admin_user)
        pk = Invitation.objects.get().pk
        post(client, reverse("portal:invitation_revoke", args=[pk]))
        mail.outbox.clear()
        post(client, reverse("portal:invitation_resend", args=[pk]))
        assert mail.outbox == []
        assert not Invitation.objects.pending().exists()

    def test_resending_twice_from_the_same_page_leaves_one_live_link(self, invitation_path, admin_user, post):
        client = signed_in(admin_user)
        resend = reverse("portal:invitation_resend", args=[Invitation.objects.get().pk])
        post(client, resend)
        post(client, resend)
        assert Invitation.objects.pending().count() == 1


class TestWhoCanBeInvited:
    def test_a_member_is_refused_whatever_the_case_of_the_address(self, editor, partner_admin_client, invite):
        local, _, domain = editor.email.partition("@")
        response = invite(partner_admin_client, f"{local.upper()}@{domain.title()}")
        page = response.content.decode()
        assert response.status_code == 200
        assert re.search(r'id="id_email_error"><li>[^<]*is already a member of this account', page)
        assert mail.outbox == []
        assert not Invitation.objects.exists()

    def test_an_address_whose_invitation_expired_can_be_invited_again(self, invitation_path, admin_user, invite):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
        response = invite(signed_in(admin_user), "new@elsewhere.example")
        assert response.status_code == 302
        new_path = link_path(mail.outbox[-1])
        assert len(mail.outbox) == 2
        assert Client().get(new_path).status_code == 200
        _client, accepted = accept_as_new_user(new_path)
        assert accepted.status_code == 302

    def test_inviting_a_pending_address_again_replaces_the_earlier_link(self, invitation_path, admin_user, invite):
        invite(signed_in(admin_user), "NEW@elsewhere.example")
        new_path = link_path(mail.outbox[-1])
        assert Client().get(invitation_path).status_code == 410
        assert Client().get(new_path).status_code == 200
        assert Invitation.objects.pending().count() == 1
        assert Invitation.objects.filter(revoked_at__isnull=False).count() == 1


class TestRateLimit:
    def fill_the_hour(self, partner, admin_user):
        for n in range(20):
            invitation_create(partner=partner, email=f"bulk{n}@elsewhere.example", role=Role.VIEWER, inviter=admin_user)
        mail.outbox.clear()  # only what the test sends next counts

    def test_the_twenty_first_invitation_in_an_hour_is_refused(self, partner, admin_user, invite):
        self.fill_the_hour(partner, admin_user)
        response = invite(signed_in(admin_user), "one-more@elsewhere.example")
        assert response.status_code == 200
        assert "in the last hour" in response.content.decode()
        assert mail.outbox == []
        assert not Invitation.objects.filter(email="one-more@elsewhere.example").exists()

    def test_invitations_older_than_an_hour_do_not_count(self, partner, admin_user, invite):
        self.fill_the_hour(partner, admin_user)
        Invitation.objects.update(created_at=timezone.now() - timedelta(minutes=61))
        assert invite(signed_in(admin_user), "one-more@elsewhere.example").status_code == 302
        assert len(mail.outbox) == 1

    def test_another_partner_is_not_affected(self, partner, admin_user, invite):
        self.fill_the_hour(partner, admin_user)
        other = make_partner("Other Co")
        response = invite(signed_in(admin_of(other)), "one-more@elsewhere.example")
        assert response.status_code == 302
        assert [message.to for message in mail.outbox] == [["one-more@elsewhere.example"]]

    def test_resending_counts_too(self, partner, admin_user, post):
        self.fill_the_hour(partner, admin_user)
        pk = Invitation.objects.pending().first().pk
        response = post(signed_in(admin_user), reverse("portal:invitation_resend", args=[pk]), follow=True)
        assert "in the last hour" in response.content.decode()
        assert mail.outbox == []


class TestTwoAcceptsOfOneLink:
    def test_only_the_first_accept_makes_a_membership(self, partner, admin_user):
        invitation = invitation_create(
            partner=partner, email="x@elsewhere.example", role=Role.EDITOR, inviter=admin_user
        )
        first = User.objects.create_user(email="x@elsewhere.example", password=PASSWORD)
        second = User.objects.create_user(email="y@elsewhere.example", password=PASSWORD)
        members = partner.memberships.count()
        invitation_accept(invitation=invitation, user=first)
        with pytest.raises(MembershipError):
            invitation_accept(invitation=invitation, user=second)
        assert partner.memberships.count() == members + 1
        assert not partner.memberships.filter(user=second).exists()


class TestPermissions:
    @pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
    def test_only_admins_may_invite_from_settings(self, complete_partner, role, invite):
        member = make_member(complete_partner, role)
        response = invite(signed_in(member), "pat@elsewhere.example", url=USERS)
        assert response.status_code == 403
        assert mail.outbox == []
        assert not Invitation.objects.exists()

    @pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
    def test_only_admins_may_invite_from_the_modal(self, partner, role, invite):
        member = make_member(partner, role)
        response = invite(signed_in(member), "pat@elsewhere.example")
        assert response.status_code == 403
        assert mail.outbox == []
        assert not Invitation.objects.exists()

    @pytest.mark.parametrize("action", ["portal:invitation_resend", "portal:invitation_revoke"])
    def test_an_editor_may_not_resend_or_revoke(self, invitation_path, editor, action, post):
        mail.outbox.clear()
        response = post(signed_in(editor), reverse(action, args=[Invitation.objects.get().pk]))
        assert response.status_code == 403
        assert mail.outbox == []
        assert Client().get(invitation_path).status_code == 200

    @pytest.mark.parametrize("action", ["portal:invitation_resend", "portal:invitation_revoke"])
    def test_another_partners_invitation_is_not_found(self, partner_admin_client, action, post):
        other = make_partner("Other Co")
        invitation = invitation_create(partner=other, email="x@elsewhere.example", role=Role.EDITOR, inviter=None)
        mail.outbox.clear()
        response = post(partner_admin_client, reverse(action, args=[invitation.pk]))
        assert response.status_code == 404
        assert mail.outbox == []
        assert list(Invitation.objects.all()) == [invitation]
        invitation.refresh_from_db()
        assert invitation.is_pending


class TestHeaderInjection:
    @pytest.mark.parametrize("email", ["a@b.example\nBcc: x@evil.example", "a@b.example\r\nBcc: x@evil.example"])
    def test_an_address_with_a_line_break_is_refused(self, partner_admin_client, invite, email):
        response = invite(partner_admin_client, email)
        assert response.status_code == 200
        assert "Enter a valid email address" in response.content.decode()
        assert mail.outbox == []
        assert not Invitation.objects.exists()

    def test_a_partner_name_with_a_line_break_still_gives_a_one_line_subject(self, db, invite):
        partner = make_partner("Acme\nBcc: x@evil.example")
        invite(signed_in(admin_of(partner)), "pat@elsewhere.example")
        assert "\n" not in mail.outbox[0].subject and "\r" not in mail.outbox[0].subject
        assert mail.outbox[0].to == ["pat@elsewhere.example"]
        assert not mail.outbox[0].bcc


class TestEscaping:
    def assert_escaped(self, response):
        assert response.status_code == 200
        page = response.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert" not in page

    def test_an_invitee_name_is_escaped_in_the_users_panel(
        self, complete_partner, invitation_path, partner_admin_client
    ):
        accept_as_new_user(invitation_path, name=SCRIPT)
        self.assert_escaped(partner_admin_client.get(USERS))

    def test_an_inviter_name_is_escaped_in_the_pending_invitations(self, complete_partner, admin_user, invite):
        User.objects.filter(pk=admin_user.pk).update(name=SCRIPT)
        client = signed_in(admin_user)
        invite(client, "pat@elsewhere.example", url=USERS)
        self.assert_escaped(client.get(USERS))

    def test_a_partner_name_is_escaped_in_the_modal_users_tab(self, db):
        partner = make_partner(SCRIPT)
        self.assert_escaped(signed_in(admin_of(partner)).get(MODAL))

    def test_partner_and_inviter_names_are_escaped_on_the_invitation_page(self, db, invite):
        partner = make_partner(SCRIPT)
        admin = admin_of(partner)
        User.objects.filter(pk=admin.pk).update(name=SCRIPT)
        admin.refresh_from_db()
        invite(signed_in(admin), "pat@elsewhere.example")
        self.assert_escaped(Client().get(link_path(mail.outbox[0])))


class TestWhatCountsAsPending:
    """The one rule of a live link: not accepted, not revoked, not expired; the queryset and the claim obey it."""

    @pytest.fixture
    def states(self, partner, admin_user):
        now = timezone.now()

        def make(email, **fields):
            return Invitation.objects.create(
                partner=partner,
                email=email,
                role=Role.EDITOR,
                invited_by=admin_user,
                token_hash=hash_token(email),
                expires_at=fields.pop("expires_at", now + timedelta(days=7)),
                **fields,
            )

        return {
            "live": make("live@elsewhere.example"),
            "expired": make("expired@elsewhere.example", expires_at=now - timedelta(seconds=1)),
            "revoked": make("revoked@elsewhere.example", revoked_at=now),
            "accepted": make("accepted@elsewhere.example", accepted_at=now),
        }

    def test_pending_keeps_only_live_invitations(self, states):
        assert list(Invitation.objects.pending()) == [states["live"]]
        assert {name: invitation.is_pending for name, invitation in states.items()} == {
            "live": True,
            "expired": False,
            "revoked": False,
            "accepted": False,
        }

    @pytest.mark.parametrize("state", ["expired", "revoked", "accepted"])
    def test_a_dead_invitation_cannot_be_claimed(self, partner, states, state):
        invitation = states[state]
        # A copy of the row read while it was live: the claim must ask the database, not this copy.
        invitation.expires_at = timezone.now() + timedelta(days=1)
        invitation.revoked_at = invitation.accepted_at = None
        user = User.objects.create_user(email=invitation.email, password=PASSWORD)
        with pytest.raises(MembershipError):
            invitation_accept(invitation=invitation, user=user)
        assert not Membership.objects.filter(user=user).exists()
        assert not Activity.objects.filter(partner=partner, action=Activity.Action.MEMBER_ADDED).exists()

    def test_a_live_invitation_is_claimed_once(self, partner, states):
        user = User.objects.create_user(email="live@elsewhere.example", password=PASSWORD)
        membership = invitation_accept(invitation=states["live"], user=user)
        assert (membership.partner, membership.role) == (partner, Role.EDITOR)
        assert Invitation.objects.get(pk=states["live"].pk).accepted_by == user


def test_the_emailed_token_carries_32_random_bytes(partner, admin_user, invite):
    tokens = set()
    for n in range(3):
        invite(signed_in(admin_user), f"token{n}@elsewhere.example")
        tokens.add(LINK.search(mail.outbox[-1].body).group(2))
    assert len(tokens) == 3
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token), token  # URL-safe base64 of 32 bytes: 43 characters
