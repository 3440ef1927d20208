"""Production settings, CSP, cookies, sign-in throttling, escaping, and oversized input."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from contacts.models import Contact, ContactInformation
from partners.models import Activity, Role
from partners.services import invitation_create
from tests.helpers import PASSWORD, complete_contacts, contact_form_data, make_member, signed_in

EVIL = '<script>alert("x")</script>"\'>'


def run_manage(*args, **env):
    ignored = {
        "DATABASE_URL",
        "DJANGO_ENV",
        "SECRET_KEY",
        "OPERATIONS_EMAIL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # the last is for tests only
    full_env = {k: v for k, v in os.environ.items() if k not in ignored}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=full_env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def production():
    """One process in production mode (starting Django is slow): `check --deploy`, then the cookie settings."""
    code = (
        "from django.core.management import call_command;"
        "call_command('check', '--deploy', '--fail-level', 'WARNING');"
        "from django.conf import settings as s;"
        "print('SETTINGS', s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.DEBUG)"
    )
    return run_manage(
        "shell",
        "--command",
        code,
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example",
        OPERATIONS_EMAIL="ops@portal.example",
    )


class TestProductionMode:
    def test_refuses_to_start_without_secrets(self):
        result = run_manage("check", DJANGO_ENV="production")
        assert result.returncode != 0
        assert "DJANGO_ENV=production needs SECRET_KEY and ALLOWED_HOSTS" in result.stderr

    def test_check_deploy_reports_nothing(self, production):
        assert production.returncode == 0, production.stderr
        assert "System check identified no issues" in production.stdout

    def test_cookies_and_hsts_are_strict(self, production):
        line = next((line for line in production.stdout.splitlines() if line.startswith("SETTINGS ")), "")
        assert line.split()[1:] == ["True", "True", "True", "Lax", "31536000", "False"], production.stderr


class TestContentSecurityPolicy:
    def test_pages_send_a_nonce_policy_and_use_no_inline_code(self, partner, admin_user):
        complete_contacts(partner, alerts=[admin_user])
        client = signed_in(admin_user)
        for url in [reverse("portal:dashboard"), reverse("contacts:edit"), reverse("portal:users"), reverse("login")]:
            response = client.get(url) if url != reverse("login") else Client().get(url)
            assert response.status_code == 200, url
            policy = response["Content-Security-Policy"]
            assert "script-src 'self' 'nonce-" in policy and "style-src 'self'" in policy
            assert "unsafe-inline" not in policy
            html = response.content.decode()
            assert not re.search(r"\sstyle=", html), url
            assert not re.search(r"\son[a-z]+=", html), url
            nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
            scripts = re.findall(r"<script\b[^>]*>", html)
            assert scripts, url  # the page's own script, loaded with the nonce
            for tag in scripts:
                assert f'nonce="{nonce}"' in tag and "src=" in tag, tag


class TestSignInThrottling:
    def attempt(self, email, password="wrong-password", ip="10.0.0.1"):
        return Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": email, "password": password})

    def test_an_account_is_paused_after_five_failures_even_from_many_addresses(self, admin_user):
        statuses = [self.attempt(admin_user.email, ip=f"10.0.0.{i + 10}").status_code for i in range(5)]
        assert statuses == [200, 200, 200, 200, 429]  # the fifth failure already pauses the account
        locked = self.attempt(admin_user.email.upper(), password=PASSWORD, ip="10.0.9.9")
        assert locked.status_code == 429
        assert "Too many sign-in attempts" in locked.content.decode()
        assert "signing in is paused for 15 minutes" in locked.content.decode()

    def test_an_address_is_paused_after_five_failures_across_accounts(self, admin_user):
        for i in range(5):
            self.attempt(f"guess{i}@acme.example", ip="10.1.1.1")
        assert self.attempt(admin_user.email, password=PASSWORD, ip="10.1.1.1").status_code == 429
        assert self.attempt(admin_user.email, password=PASSWORD, ip="10.1.1.2").status_code == 302

    def test_a_success_resets_the_count(self, admin_user):
        for _ in range(4):
            self.attempt(admin_user.email)
        assert self.attempt(admin_user.email, password=PASSWORD).status_code == 302
        for _ in range(4):
            assert self.attempt(admin_user.email).status_code == 200

    def test_wrong_password_and_unknown_account_read_the_same(self, admin_user):
        wrong = self.attempt(admin_user.email, ip="10.2.0.1").context["form"].non_field_errors()
        unknown = self.attempt("nobody@nowhere.example", ip="10.2.0.2").context["form"].non_field_errors()
        assert wrong == unknown


class TestEscaping:
    def test_script_in_names_and_emails_is_escaped_in_the_modal_settings_and_activity(self, partner, admin_user):
        evil_member = make_member(partner, Role.EDITOR, name=EVIL)
        client = signed_in(admin_user)
        data = contact_form_data(
            operator=[{"email": "ops@acme.example", "name": EVIL}], shared={"email": "x", "name": EVIL}
        )
        modal = client.post(reverse("contacts:onboarding"), data)
        assert modal.status_code == 200  # the bad shared email: the form comes back with what was typed
        assertContains(modal, f'value="{escape(EVIL)}"', count=3)  # the two names, kept as typed, and suggested once
        assertContains(modal, f'<td data-label="Name">{escape(EVIL)}</td>', html=True, count=1)  # the member, Users tab
        assertNotContains(modal, "<script>alert")
        saved = client.post(
            reverse("contacts:onboarding"), contact_form_data(operator=[{"email": "ops@acme.example", "name": EVIL}])
        )
        assert saved.status_code == 302
        # Stored exactly as typed: escaping happens on output, never by mangling the data.
        assert Contact.objects.get(contact_information__partner=partner, category="operator").name == EVIL
        assert User.objects.get(pk=evil_member.pk).name == EVIL
        for name, shown in [
            ("contacts:edit", f'value="{escape(EVIL)}"'),
            ("portal:users", f'<td data-label="Name">{escape(EVIL)}</td>'),
            ("portal:activity", escape(EVIL)),
        ]:
            response = client.get(reverse(name))
            assert response.status_code == 200, name
            assertContains(response, shown, msg_prefix=name)
            assertNotContains(response, "<script>alert", msg_prefix=name)

    def test_admin_escapes_too(self, partner, admin_user):
        complete_contacts(partner)
        partner.name = EVIL
        partner.save()
        make_member(partner, name=EVIL)
        operator = type(admin_user).objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass")
        client = Client()
        client.force_login(operator)
        for url in [
            reverse("admin:partners_partner_changelist"),
            reverse("admin:partners_partner_change", args=[partner.pk]),
            reverse("admin:partners_membership_changelist"),
        ]:
            response = client.get(url)
            assert response.status_code == 200, url
            assertContains(response, escape(EVIL), msg_prefix=url)
            assertNotContains(response, "<script>alert", msg_prefix=url)

    def test_invitation_emails_have_a_one_line_subject_and_plain_text_names(
        self, partner, admin_user, django_capture_on_commit_callbacks
    ):
        partner.name = "Evil\nBcc: victim@evil.example " + EVIL
        partner.save()
        with django_capture_on_commit_callbacks(execute=True):
            invitation_create(partner=partner, email="new@acme.example", role=Role.EDITOR, inviter=admin_user)
        message = mail.outbox[-1]
        assert "\n" not in message.subject and message.bcc == []
        assert message.to == ["new@acme.example"]


class TestHostileInput:
    @pytest.mark.parametrize(
        "email", ["a@b.example\nBcc: x@evil.example", "a@b.example\r\nSubject: hi", "a@b.example%0ABcc:x@evil.example"]
    )
    def test_header_injection_through_invitation_emails_is_refused(self, partner, admin_user, email):
        complete_contacts(partner)
        response = signed_in(admin_user).post(reverse("portal:invite"), {"email": email, "role": "editor"})
        assert response.status_code == 200
        assert response.context["invite_form"].errors["email"]
        assert mail.outbox == []

    def test_a_one_megabyte_body_is_rejected_cleanly(self, partner, admin_user):
        client = signed_in(admin_user)
        data = contact_form_data(operator=[{"email": "ops@acme.example", "name": "x" * 1_000_000}])
        response = client.post(reverse("contacts:onboarding"), data)
        assert response.status_code == 400
        assert ContactInformation.objects.get(partner=partner).version == 0

    def test_a_long_field_in_an_acceptable_body_is_a_form_error(self, partner, admin_user):
        client = signed_in(admin_user)
        data = contact_form_data(operator=[{"email": "ops@acme.example", "name": "x" * 100_000}])
        response = client.post(reverse("contacts:onboarding"), data)
        assert response.status_code == 200
        assert "at most 200 characters" in response.content.decode()

    def test_a_flood_of_fields_is_rejected_cleanly(self, partner, admin_user):
        data = {f"field{i}": "x" for i in range(5000)}
        assert signed_in(admin_user).post(reverse("contacts:onboarding"), data).status_code == 400

    def test_nothing_is_recorded_for_refused_input(self, partner, admin_user):
        response = signed_in(admin_user).post(reverse("contacts:onboarding"), {"general-version": "0"})
        assert response.status_code in {200, 400}
        assert ContactInformation.objects.get(partner=partner).version == 0
        assert not Activity.objects.filter(partner=partner).exists()
        signed_in(admin_user).post(reverse("contacts:onboarding"), contact_form_data())
        assert Activity.objects.filter(partner=partner).count() == 1  # what a good save records


class TestOddNumbers:
    """Numbers that are digits to Python but not to the database never reach it."""

    @pytest.mark.parametrize("value", ["²", "٣", "9" * 30, "-1", " "])
    def test_odd_numbers_are_refused_without_a_500(self, partner, admin_user, value):
        client = signed_in(admin_user)
        data = contact_form_data()
        data.update({"add_row": "technical_emergency", "technical_emergency-TOTAL_FORMS": value})
        assert client.post(reverse("contacts:onboarding"), data).status_code in {200, 400}
        assert client.post(reverse("portal:switch_partner"), {"partner": value}).status_code == 404
        assert client.post(reverse("contacts:onboarding"), contact_form_data(version=value)).status_code == 200
        from tests.helpers import signed_in as sign

        production = sign(admin_user, "production")
        response = production.post(reverse("contacts:onboarding"), contact_form_data(alerts=[value]))
        assert response.status_code == 200
