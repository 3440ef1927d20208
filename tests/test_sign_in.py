"""Sign-in edge cases: a signed-in user sent back to sign-in is taken to the portal, never to a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import PASSWORD, signed_in

LOGIN = reverse("login")


@pytest.mark.parametrize("next_url", [LOGIN, f"{LOGIN}?next=/", f"{LOGIN}?next={LOGIN}"])
def test_a_signed_in_user_sent_to_sign_in_again_reaches_the_dashboard(admin_user, next_url):
    response = signed_in(admin_user).get(LOGIN, {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")


def test_a_signed_in_user_with_an_ordinary_next_still_goes_there(admin_user):
    response = signed_in(admin_user).get(LOGIN, {"next": "/settings/users/"})
    assert response.status_code == 302 and response["Location"] == "/settings/users/"


class TestThrottlingBehindAProxy:
    """Five failures pause sign-in for the client that made them, never for everyone behind the same proxy."""

    PROXY = "10.0.0.2"  # what REMOTE_ADDR says behind a load balancer: the proxy itself
    A, B = "198.51.100.7", "203.0.113.9"

    def sign_in(self, email, password, forwarded):
        client = Client(REMOTE_ADDR=self.PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(LOGIN, {"username": email, "password": password})

    @pytest.fixture
    def proxied(self, settings):
        settings.BEHIND_PROXY, settings.PROXY_COUNT = True, 1

    def fail_five_times_from_a(self):
        for n in range(5):
            self.sign_in(f"made-up-{n}@nowhere.example", "wrong-password", self.A)

    def test_a_failing_client_does_not_lock_out_another_client(self, proxied, admin_user):
        self.fail_five_times_from_a()
        assert self.sign_in(admin_user.email, PASSWORD, self.B).status_code == 302
        assert self.sign_in(admin_user.email, PASSWORD, self.A).status_code == 429

    def test_a_client_cannot_dodge_its_pause_by_forging_addresses_on_the_left(self, proxied, admin_user):
        self.fail_five_times_from_a()
        # The proxy appends what it saw (A) after whatever the client sent: "B, A".
        assert self.sign_in(admin_user.email, PASSWORD, f"{self.B}, {self.A}").status_code == 429

    def test_two_proxies_the_client_is_the_second_entry_from_the_right(self, settings, admin_user):
        settings.BEHIND_PROXY, settings.PROXY_COUNT = True, 2
        for n in range(5):
            self.sign_in(f"made-up-{n}@nowhere.example", "wrong-password", f"{self.B}, {self.A}, 10.0.0.1")
        assert self.sign_in(admin_user.email, PASSWORD, f"{self.B}, 10.0.0.1").status_code == 302
        assert self.sign_in(admin_user.email, PASSWORD, f"1.2.3.4, {self.A}, 10.0.0.1").status_code == 429

    def test_without_behind_proxy_forwarded_headers_are_ignored(self, settings, admin_user):
        settings.BEHIND_PROXY, settings.PROXY_COUNT = False, 0
        self.fail_five_times_from_a()
        # Everyone arrives from the same peer address here, and the header is not believed.
        assert self.sign_in(admin_user.email, PASSWORD, self.B).status_code == 429


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [("198.51.100.7:4431", "198.51.100.7"), ("[2001:db8::7]:443", "2001:db8::7"), ("2001:db8::7", "2001:db8::7")],
)
def test_a_forwarded_address_with_a_port_is_still_the_client(settings, rf, forwarded, client):
    from accounts.auth import client_ip

    settings.BEHIND_PROXY, settings.PROXY_COUNT = True, 1
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == client
