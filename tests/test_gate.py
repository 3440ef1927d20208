"""The onboarding gate: who is sent to the modal, what scripts and changes get, and what it costs."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contacts.models import ContactInformation
from partners.environments import Environment
from partners.models import Partner
from tests.helpers import contact_form_data, signed_in

DASHBOARD = reverse("portal:dashboard")
MODAL = reverse("contacts:onboarding")
GATE_MIDDLEWARE = "contacts.middleware.ContactInformationRequiredMiddleware"


class TestNavigation:
    def test_anonymous_users_are_left_to_the_login_handling(self, partner):
        response = Client().get(DASHBOARD)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_an_incomplete_partner_gets_the_modal_with_next(self, partner_admin_client):
        response = partner_admin_client.get(DASHBOARD)
        assert response.status_code == 302
        assert response["Location"] == f"{MODAL}?next=%2F"

    def test_the_gated_page_content_is_never_sent(self, partner_admin_client):
        response = partner_admin_client.get(reverse("portal:activity"), follow=True)
        assert response.redirect_chain[0][1] == 302
        body = response.content.decode()
        assert "Every change to the contact information" not in body
        assert 'id="onboarding-modal"' in body

    def test_a_viewer_is_gated_too(self, viewer_client):
        response = viewer_client.get(DASHBOARD)
        assert response.status_code == 302 and response["Location"].startswith(MODAL)

    def test_a_complete_partner_is_not_gated(self, complete_partner, partner_admin_client):
        assert partner_admin_client.get(DASHBOARD).status_code == 200
        assert partner_admin_client.get(MODAL).status_code == 302  # nothing to complete: back to the portal

    def test_unknown_urls_still_404(self, partner_admin_client):
        assert partner_admin_client.get("/no-such-page/").status_code == 404

    def test_exempt_views_are_reachable_while_incomplete(self, partner_admin_client):
        assert partner_admin_client.get(reverse("portal:help")).status_code == 200
        assert partner_admin_client.get(reverse("health")).status_code == 200
        assert partner_admin_client.get(MODAL).status_code == 200


class TestScriptsAndChanges:
    def test_json_requests_get_the_missing_codes(self, partner, partner_admin_client):
        response = partner_admin_client.get(DASHBOARD, headers={"Accept": "application/json"})
        assert response.status_code == 403
        body = response.json()
        assert body["error"] == "contact_information_required"
        assert body["missing"] == partner.missing_sandbox
        assert "technical_emergency_required" in body["missing"]
        assert body["modal_url"].startswith(MODAL)

    def test_htmx_requests_get_json_and_hx_redirect(self, partner_admin_client):
        response = partner_admin_client.get(DASHBOARD, headers={"HX-Request": "true"})
        assert response.status_code == 403
        assert response["HX-Redirect"].startswith(MODAL)
        assert response.json()["missing"]

    def test_a_browser_accepting_html_and_json_is_a_navigation(self, partner_admin_client):
        response = partner_admin_client.get(DASHBOARD, headers={"Accept": "text/html,application/json;q=0.9"})
        assert response.status_code == 302

    @pytest.mark.parametrize("user_fixture", ["admin_user", "viewer"])
    def test_unsafe_methods_are_refused_and_change_nothing(self, request, partner, user_fixture):
        client = signed_in(request.getfixturevalue(user_fixture))
        response = client.post(reverse("contacts:edit"), contact_form_data())
        assert response.status_code == 403
        assert "Nothing was changed" in response.content.decode()
        assert ContactInformation.objects.get(partner=partner).version == 0
        assert client.post(reverse("portal:launch")).status_code == 403
        assert Partner.objects.get(pk=partner.pk).status == Partner.Status.ONBOARDING

    def test_unsafe_json_requests_get_json(self, partner_admin_client):
        response = partner_admin_client.post(reverse("portal:launch"), headers={"Accept": "application/json"})
        assert response.status_code == 403 and response.json()["error"] == "contact_information_required"


def exempt_get_urls():
    """Every URL whose view carries the gate's opt-out mark and takes no arguments."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and not pattern.pattern.converters:
                view = pattern.callback
                if getattr(view, "contact_information_required", True) is False:
                    found.append("/" + prefix + str(pattern.pattern).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    return found


def test_no_exempt_view_loops_back_into_the_gate(partner, admin_user):
    urls = exempt_get_urls()
    assert "/accounts/login/" in urls and "/onboarding/" in urls and "/help/" in urls
    client = signed_in(admin_user)
    for url in urls:
        # follow=True raises RedirectCycleError on a loop; every chain must end on a real page.
        response = client.get(url, follow=True)
        assert response.status_code in {200, 405}, url
        assert len(response.redirect_chain) <= 3, url


@pytest.mark.parametrize(
    "attack",
    [
        "//evil.example",
        "https:evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "https://evil.example/",
        "0",
        "settings",
    ],
)
def test_next_attacks_land_on_the_dashboard(partner, admin_user, attack):
    client = signed_in(admin_user)
    response = client.post(f"{MODAL}?next={attack}", contact_form_data())
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD


def test_after_a_complete_save_the_user_lands_on_the_page_first_asked_for(partner, admin_user):
    client = signed_in(admin_user)
    first = client.get(reverse("portal:activity"))
    modal_url = first["Location"]
    assert client.get(modal_url).status_code == 200
    response = client.post(modal_url, contact_form_data())
    assert response["Location"] == reverse("portal:activity")
    assert client.get(reverse("portal:activity")).status_code == 200


def test_completing_unlocks_every_member(partner, admin_user, editor, viewer):
    assert signed_in(viewer).get(DASHBOARD).status_code == 302
    signed_in(editor).post(MODAL, contact_form_data())
    assert signed_in(viewer).get(DASHBOARD).status_code == 200
    assert signed_in(admin_user).get(DASHBOARD).status_code == 200


def session_queries():
    """Reading the session costs a query unless sessions are cached (Redis)."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


class TestCost:
    def count(self, client, url):
        client.get(url)  # first visit stores the current partner in the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return response, len(queries)

    def test_a_gated_request_costs_only_session_user_and_membership(self, partner_admin_client):
        response, queries = self.count(partner_admin_client, DASHBOARD)
        assert response.status_code == 302
        assert queries == session_queries() + 2  # user, membership and partner

    def test_the_gate_adds_no_query_to_an_unlocked_page(self, complete_partner, admin_user, settings):
        with_gate = self.count(signed_in(admin_user), DASHBOARD)
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != GATE_MIDDLEWARE]
        without_gate = self.count(signed_in(admin_user), DASHBOARD)
        assert with_gate[0].status_code == without_gate[0].status_code == 200
        # user, then every membership with its partner: the current one and the header's switcher at once
        assert with_gate[1] == without_gate[1] == session_queries() + 2


def test_the_modal_reflects_the_environment(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    assert client.get(DASHBOARD).status_code == 200
