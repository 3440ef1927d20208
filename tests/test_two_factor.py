"""Two-factor sign-in: setting up an authenticator app, the second step of signing in, recovery codes, turning it
off, and the admin asking operators for a second factor."""

import time
from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from accounts.two_factor import recovery_codes_create
from tests.helpers import PASSWORD, signed_in

LOGIN = reverse("login")
VERIFY = reverse("two_factor:verify")
SETUP = reverse("two_factor:setup")
CODES = reverse("two_factor:recovery_codes")
DISABLE = reverse("two_factor:disable")
PROFILE = reverse("profile")
ADMIN = reverse("admin:index")


def code_for(device):
    """The code the app shows now (or at the next step, when the current one was used already)."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    ahead = max(0, device.last_t + 1 - now)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift=ahead):0{device.digits}d}"


def wrong_code(device):
    """A six-digit code that is not the right one now (nor a step either side)."""
    device.refresh_from_db()
    right = {f"{totp(device.bin_key, device.step, device.t0, device.digits, drift=d):06d}" for d in (-1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in right)


def enable(user):
    """Two-factor sign-in on for `user`: an authenticator app and ten recovery codes; returns (app, codes)."""
    app = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return app, recovery_codes_create(user=user)


def password_step(client, user, next_url=None):
    data = {"username": user.email, "password": PASSWORD}
    url = f"{LOGIN}?{urlencode({'next': next_url})}" if next_url else LOGIN
    return client.post(url, data)


def is_signed_in(client):
    return SESSION_KEY in client.session


class TestSetup:
    def test_a_valid_code_turns_it_on_and_shows_ten_recovery_codes_once(self, admin_user):
        client = signed_in(admin_user)
        page = client.get(SETUP)
        assert page.status_code == 200
        device = TOTPDevice.objects.get(user=admin_user)
        assert not device.confirmed
        assertContains(page, "<svg")  # the QR code drawn inline: the CSP allows no external image
        assertNotContains(page, "style=")  # nor inline styles
        assert page.context["secret"].replace(" ", "") in page.content.decode().replace(" ", "")
        response = client.post(SETUP, {"code": code_for(device)})
        assert response.status_code == 302 and response["Location"] == CODES
        device.refresh_from_db()
        assert device.confirmed
        codes_page = client.get(CODES)
        codes = codes_page.context["codes"]
        assert len(codes) == len(set(codes)) == 10
        assert set(StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True)) == set(codes)
        for code in codes:
            assertContains(codes_page, code)
        again = client.get(CODES)  # shown once only
        assert again.status_code == 302 and again["Location"] == PROFILE

    def test_a_wrong_code_is_refused(self, admin_user):
        client = signed_in(admin_user)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=admin_user)
        response = client.post(SETUP, {"code": wrong_code(device)})
        assert response.status_code == 200
        assertContains(response, "That code is not right")
        device.refresh_from_db()
        assert not device.confirmed and not StaticDevice.objects.filter(user=admin_user).exists()

    def test_reloading_the_page_keeps_the_same_key(self, admin_user):
        client = signed_in(admin_user)
        first = client.get(SETUP).context["secret"]
        assert client.get(SETUP).context["secret"] == first
        assert TOTPDevice.objects.filter(user=admin_user).count() == 1

    def test_the_profile_shows_the_status_and_links(self, admin_user):
        client = signed_in(admin_user)
        assertContains(client.get(PROFILE), SETUP)
        enable(admin_user)
        page = client.get(PROFILE)
        assertContains(page, DISABLE)
        assertContains(page, "10 unused recovery codes")
        assertNotContains(page, f'href="{SETUP}"')


class TestSignIn:
    def test_without_a_device_the_password_signs_in_as_before(self, admin_user):
        client = Client()
        response = password_step(client, admin_user, "/settings/users/")
        assert response.status_code == 302 and response["Location"] == "/settings/users/"
        assert is_signed_in(client)

    def test_with_a_device_the_password_leads_to_the_second_step_only(self, admin_user):
        enable(admin_user)
        client = Client()
        response = password_step(client, admin_user, "/settings/users/")
        assert response.status_code == 302
        assert response["Location"] == f"{VERIFY}?{urlencode({'next': '/settings/users/'})}"
        assert not is_signed_in(client)
        assert client.get(response["Location"]).status_code == 200

    def test_half_signed_in_gets_nothing(self, complete_partner, admin_user):
        enable(admin_user)
        client = Client()
        password_step(client, admin_user)
        for url in (reverse("portal:dashboard"), PROFILE, reverse("contacts:settings"), SETUP, DISABLE):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(LOGIN), url
        assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))

    def test_a_wrong_code_is_refused_and_the_right_one_lets_in_honouring_next(self, complete_partner, admin_user):
        app, _codes = enable(admin_user)
        client = Client()
        password_step(client, admin_user, "/settings/users/")
        response = client.post(VERIFY, {"code": wrong_code(app), "next": "/settings/users/"})
        assert response.status_code == 200
        assertContains(response, "That code is not right")
        assert not is_signed_in(client)
        app.refresh_from_db()
        assert app.throttling_failure_count == 1  # counted in the database by django-otp
        app.throttle_reset()  # the wait after one wrong code is a second: skip it
        response = client.post(VERIFY, {"code": code_for(app), "next": "/settings/users/"})
        assert response.status_code == 302 and response["Location"] == "/settings/users/"
        assert is_signed_in(client)
        assert client.get("/settings/users/").status_code == 200

    def test_next_to_another_site_is_not_followed(self, admin_user):
        app, _codes = enable(admin_user)
        client = Client()
        password_step(client, admin_user)
        response = client.post(VERIFY, {"code": code_for(app), "next": "//evil.example/"})
        assert response["Location"] == reverse("portal:dashboard")

    def test_a_recovery_code_lets_in_once(self, admin_user):
        _app, codes = enable(admin_user)
        client = Client()
        password_step(client, admin_user)
        response = client.post(VERIFY, {"code": codes[0].upper(), "next": PROFILE})
        assert response.status_code == 302 and response["Location"] == PROFILE
        assert is_signed_in(client)
        assert StaticToken.objects.filter(device__user=admin_user).count() == 9
        other = Client()
        password_step(other, admin_user)
        response = other.post(VERIFY, {"code": codes[0]})
        assert response.status_code == 200 and not is_signed_in(other)

    def test_wrong_codes_are_throttled_even_for_the_right_code(self, admin_user):
        app, _codes = enable(admin_user)
        client = Client()
        password_step(client, admin_user)
        client.post(VERIFY, {"code": wrong_code(app)})
        response = client.post(VERIFY, {"code": code_for(app)})
        assertContains(response, "Too many wrong codes")
        assert not is_signed_in(client)

    def test_after_five_wrong_codes_the_password_is_asked_again(self, admin_user):
        app, _codes = enable(admin_user)
        client = Client()
        password_step(client, admin_user)
        for _ in range(4):
            assert client.post(VERIFY, {"code": "zzzzzzzz"}).status_code == 200  # not a recovery code
        response = client.post(VERIFY, {"code": "zzzzzzzz"})
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert client.post(VERIFY, {"code": code_for(app)})["Location"].startswith(LOGIN)
        assert not is_signed_in(client)

    def test_the_second_step_expires(self, admin_user):
        app, _codes = enable(admin_user)
        client = Client()
        password_step(client, admin_user)
        session = client.session
        session["two_factor_pending"]["since"] -= 3600
        session.save()
        assert client.post(VERIFY, {"code": code_for(app)})["Location"].startswith(LOGIN)
        assert not is_signed_in(client)

    def test_a_password_reset_link_does_not_skip_the_second_factor(self, admin_user):
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        enable(admin_user)
        client = Client()
        uid = urlsafe_base64_encode(force_bytes(admin_user.pk))
        token = default_token_generator.make_token(admin_user)
        form_url = client.get(reverse("password_reset_confirm", args=[uid, token]))["Location"]
        new = "a-New-passw0rd-for-2fa"
        response = client.post(form_url, {"new_password1": new, "new_password2": new})
        assert response.status_code == 302
        assert not is_signed_in(client)


class TestRecoveryCodesAndTurningOff:
    def verified_client(self, user):
        app, codes = enable(user)
        client = Client()
        password_step(client, user)
        client.post(VERIFY, {"code": code_for(app)})
        assert is_signed_in(client)
        return client, app, codes

    def test_new_recovery_codes_replace_the_old_ones(self, admin_user):
        client, _app, old = self.verified_client(admin_user)
        response = client.post(reverse("two_factor:recovery_codes_regenerate"))
        assert response["Location"] == CODES
        new = client.get(CODES).context["codes"]
        assert len(new) == 10 and not set(new) & set(old)
        assert set(StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True)) == set(new)

    def test_turning_off_needs_the_password_or_a_code(self, admin_user):
        client, app, _codes = self.verified_client(admin_user)
        response = client.post(DISABLE, {"password": "not-my-password"})
        assertContains(response, "That password or code is not right")
        assert TOTPDevice.objects.filter(user=admin_user).exists()
        app.refresh_from_db()
        assert app.throttling_failure_count == 1  # wrong passwords here are throttled like wrong codes
        app.throttle_reset()
        response = client.post(DISABLE, {"password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == PROFILE
        assert not TOTPDevice.objects.filter(user=admin_user).exists()
        assert not StaticDevice.objects.filter(user=admin_user).exists()
        other = Client()
        assert password_step(other, admin_user).status_code == 302 and is_signed_in(other)  # password alone again

    def test_turning_off_with_a_recovery_code(self, admin_user):
        client, _app, codes = self.verified_client(admin_user)
        assert client.post(DISABLE, {"code": codes[1]})["Location"] == PROFILE
        assert not TOTPDevice.objects.filter(user=admin_user).exists()


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="operator@portal.example", password=PASSWORD)


class TestAdmin:
    def test_staff_without_a_device_are_sent_to_set_one_up_when_required(self, settings, operator):
        settings.OTP_REQUIRED_FOR_STAFF = True
        client = signed_in(operator)
        response = client.get(ADMIN, follow=True)
        assert response.redirect_chain[-1][0] == f"{SETUP}?{urlencode({'next': ADMIN})}"
        assert response.status_code == 200
        assert client.get(reverse("admin:partners_partner_changelist")).status_code == 302

    def test_staff_without_a_device_use_the_admin_when_not_required(self, settings, operator):
        settings.OTP_REQUIRED_FOR_STAFF = False
        assert signed_in(operator).get(ADMIN).status_code == 200

    def test_setting_up_leads_back_to_the_admin(self, settings, operator):
        settings.OTP_REQUIRED_FOR_STAFF = True
        client = signed_in(operator)
        client.get(f"{SETUP}?{urlencode({'next': ADMIN})}")
        device = TOTPDevice.objects.get(user=operator)
        response = client.post(SETUP, {"code": code_for(device), "next": ADMIN})
        assert response["Location"] == f"{CODES}?{urlencode({'next': ADMIN})}"
        assert client.get(response["Location"]).context["continue_url"] == ADMIN
        assert client.get(ADMIN).status_code == 200

    def test_a_signed_in_session_that_skipped_the_code_is_asked_for_it(self, settings, operator):
        settings.OTP_REQUIRED_FOR_STAFF = True
        app, _codes = enable(operator)
        client = signed_in(operator)  # signed in without a code (a session from before the app was added)
        response = client.get(ADMIN, follow=True)
        assert response.redirect_chain[-1][0] == f"{VERIFY}?{urlencode({'next': ADMIN})}"
        response = client.post(VERIFY, {"code": code_for(app), "next": ADMIN})
        assert response["Location"] == ADMIN
        assert client.get(ADMIN).status_code == 200

    def test_the_admin_sign_in_asks_for_the_second_step_too(self, settings, operator):
        settings.OTP_REQUIRED_FOR_STAFF = True
        app, _codes = enable(operator)
        client = Client()
        response = client.post(
            reverse("admin:login"), {"username": operator.email, "password": PASSWORD, "next": ADMIN}
        )
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert not is_signed_in(client)
        response = client.post(VERIFY, {"code": code_for(app), "next": ADMIN})
        assert response["Location"] == ADMIN
        assert client.get(ADMIN).status_code == 200


def test_the_throttle_wait_is_stated_in_seconds(admin_user):
    app, _codes = enable(admin_user)
    app.throttling_failure_count, app.throttling_failure_timestamp = 3, timezone.now()
    app.save()
    client = Client()
    password_step(client, admin_user)
    assertContains(client.post(VERIFY, {"code": code_for(app)}), "Try again in 4 seconds")
