"""The onboarding gate: who is sent to the modal, what scripts and changes get, and what it costs."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import OutgoingEmail
from contacts.api.services import api_key_create
from contacts.middleware import ContactInformationRequiredMiddleware
from contacts.models import ContactInformation
from contacts.notifications.models import Delivery, Notification
from partners.environments import Environment
from partners.models import Invitation, Partner, Role, hash_token
from tests.helpers import contact_form_data, html_element, html_elements, make_partner, signed_in

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
        assert response.redirect_chain == [(f"{MODAL}?next=%2Fsettings%2Factivity%2F", 302)]
        assertContains(response, "Contact information required")
        assert html_element(response.content.decode(), "dialog", id="onboarding-modal")
        assertNotContains(response, "Every change to the contact information")

    def test_next_keeps_the_query_string(self, partner_admin_client):
        response = partner_admin_client.get(reverse("portal:activity"), {"page": "2"})
        assert response.status_code == 302
        assert response["Location"] == f"{MODAL}?{urlencode({'next': '/settings/activity/?page=2'})}"

    @pytest.mark.parametrize("method", ["head", "options"])
    def test_head_and_options_are_navigations_not_changes(self, partner, partner_admin_client, method):
        response = getattr(partner_admin_client, method)(f"{reverse('portal:activity')}?page=2")
        assert response.status_code == 302  # like GET: safe methods are sent to the modal, never refused
        assert response["Location"] == f"{MODAL}?{urlencode({'next': '/settings/activity/?page=2'})}"
        assert b"Every change to the contact information" not in response.content

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

    @pytest.mark.parametrize(
        "accept", ["application/json, text/plain, */*", "application/json;q=0.9, */*;q=0.1", "application/json"]
    )
    def test_scripts_accepting_json_among_other_types_get_json(self, partner, partner_admin_client, accept):
        response = partner_admin_client.get(DASHBOARD, headers={"Accept": accept})
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert response.json()["missing"] == partner.missing_sandbox
        assert response.json()["modal_url"] == f"{MODAL}?next=%2F"

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


# What a gated member must still reach: signing in and out, passwords, the modal and every action of its
# Users tab, help, the language and environment switches, the invitation link, and the operators' admin.
MUST_BE_EXEMPT = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "contacts:onboarding",
    "portal:invite",
    "portal:member_role",
    "portal:member_remove",
    "portal:invitation_resend",
    "portal:invitation_revoke",
    "portal:accept_invitation",
    "notifications:acknowledge",
    "portal:help",
    "portal:switch_environment",
    "portal:switch_partner",
    "set_language",
    # The API is a way through the gate: its keys and the API itself (which authenticates by key).
    "api_keys:list",
    "api_keys:revoke",
    "api_v1:contact_information",
    "api_v1:openapi-json",
    "api_v1:openapi-view",
    "health",
    "admin:index",
    "admin:login",
    "admin:partners_partner_changelist",
    "admin:partners_partner_change",
}
INVITATION_TOKEN = "a-link-for-the-admin-to-join-elsewhere"
ACKNOWLEDGEMENT_TOKEN = "a-link-in-an-emergency-email"


def exempt_views():
    """(name, argument names, view) of every named URL whose view carries the gate's opt-out mark."""
    found = []

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name and getattr(pattern.callback, "contact_information_required", True) is False:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, [*pattern.pattern.regex.groupindex], pattern.callback))

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def gate_objects(partner, admin_user, editor):
    """Real objects for the URLs that take arguments, seen by the Admin of an incomplete partner."""
    elsewhere = make_partner("Elsewhere Co")
    expires_at = timezone.now() + timedelta(days=7)
    Invitation.objects.create(  # the link INVITATION_TOKEN: the Admin may join another partner
        partner=elsewhere,
        email=admin_user.email,
        role=Role.VIEWER,
        token_hash=hash_token(INVITATION_TOKEN),
        expires_at=expires_at,
    )
    pending = Invitation.objects.create(
        partner=partner,
        email="pat@elsewhere.example",
        role=Role.EDITOR,
        invited_by=admin_user,
        token_hash=hash_token("pending-in-acme"),
        expires_at=expires_at,
    )
    emergency = Notification.objects.create(partner=partner, kind="emergency", subject="Bookings fail")
    Delivery.objects.create(  # the link ACKNOWLEDGEMENT_TOKEN, in an email to one of the partner's contacts
        notification=emergency,
        email=OutgoingEmail.objects.create(to="pager@acme.example", language="en", subject="x", body="y"),
        address="pager@acme.example",
        language="en",
        source="technical_emergency",
        token_hash=hash_token(ACKNOWLEDGEMENT_TOKEN),
        token_expires_at=expires_at,
    )
    return {
        "membership": editor.memberships.get(),
        "invitation": pending,
        "user": admin_user,
        "partner": partner,
        "api_key": api_key_create(partner=partner, name="onboarding", scope="write")[0],
    }


def url_arguments(name, arguments, objects):
    """Fill a URL's arguments with real objects (pk, token) or values its view explains (a bogus reset link)."""
    values = {}
    for argument in arguments:
        if argument == "pk" and name == "api_keys:revoke":
            values[argument] = objects["api_key"].pk
        elif argument == "pk":
            values[argument] = objects["invitation" if "invitation" in name else "membership"].pk
        elif argument == "token" and name == "portal:accept_invitation":
            values[argument] = INVITATION_TOKEN
        elif argument == "token" and name == "notifications:acknowledge":
            values[argument] = ACKNOWLEDGEMENT_TOKEN
        elif argument in {"uidb64", "token"}:
            values[argument] = {"uidb64": "MQ", "token": "set-password"}[argument]
        elif argument in {"object_id", "id"}:
            values[argument] = objects["user" if "_user_" in name else "partner"].pk
        elif argument == "app_label":
            values[argument] = "partners"
        elif argument == "content_type_id":
            values[argument] = ContentType.objects.get_for_model(Partner).pk
        else:
            raise AssertionError(f"no value for the argument {argument!r} of {name}: add one")
    return values


def test_every_view_a_gated_member_needs_carries_the_opt_out():
    assert MUST_BE_EXEMPT - {name for name, _arguments, _view in exempt_views()} == set()


def test_no_exempt_view_loops_back_into_the_gate(gate_objects, admin_user):
    client = signed_in(admin_user)
    reached = {}
    for name, arguments, _view in exempt_views():
        url = reverse(name, kwargs=url_arguments(name, arguments, gate_objects))
        first = client.get(url)
        assert first.get("Location") != f"{MODAL}?{urlencode({'next': url})}", f"{url}: answered by the gate"
        # follow=True raises RedirectCycleError on a loop; every chain must end on a real page.
        response = client.get(url, follow=True)
        # 410: a one-time link's own page saying the (made-up) link no longer works; still a page, not the gate.
        dead_link = "token" in arguments and name not in {"portal:accept_invitation", "notifications:acknowledge"}
        allowed = {200, 405, 410} if dead_link else {200, 405}
        if name.startswith("api_v1:"):
            allowed = {200, 401, 404}  # the API's own answer to a session without a key (its root names nothing)
        assert response.status_code in allowed, url
        assert len(response.redirect_chain) <= 3, url
        reached[name] = response
    assert reached["portal:member_role"].status_code == 405  # POST only, and not refused by the gate
    assertContains(reached["portal:accept_invitation"], "Accept invitation")  # a real link, not a dead one
    assertContains(reached["portal:accept_invitation"], "Elsewhere Co")
    assertContains(reached["notifications:acknowledge"], "Bookings fail")  # a live link, gated partner or not


def untouchable(name):
    """A lazy request attribute that fails the test when read."""

    def explode():
        raise AssertionError(f"the gate read request.{name} for an exempt view")

    return SimpleLazyObject(explode)


def test_the_gate_reads_no_user_or_membership_for_an_exempt_view(rf):
    middleware = ContactInformationRequiredMiddleware(lambda request: None)
    for name, _arguments, view in exempt_views():
        request = rf.get("/")
        request.session = untouchable("session")
        request.user = untouchable("user")
        request.membership = untouchable("membership")
        request.memberships = untouchable("memberships")
        request.environment = untouchable("environment")
        assert middleware.process_view(request, view, (), {}) is None, name


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
    def test_the_health_check_costs_no_query_for_a_signed_in_member(
        self, partner_admin_client, django_assert_num_queries
    ):
        partner_admin_client.get(MODAL)  # the session now holds the current partner
        # The gate reads the view's mark first: no session, user or membership is loaded for it.
        with django_assert_num_queries(0):
            response = partner_admin_client.get(reverse("health"))
        assert response.status_code == 200 and response.content == b"ok"

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


def alert_checkbox(page, user):
    """The alert-contact checkbox of `user` on a rendered contact form."""
    return html_element(page, "input", type="checkbox", name="general-alert_contacts", value=str(user.pk))


def test_the_modal_reflects_the_environment(partner, admin_user):
    production = signed_in(admin_user, Environment.PRODUCTION).get(MODAL)
    assert production.status_code == 200
    page = production.content.decode()
    settled = "".join(str(folded) for folded in html_elements(page, "details", class_="settled"))
    assert html_element(page, "fieldset", id="category-alert")  # asked for, not folded away
    assert not html_elements(settled, "fieldset", id="category-alert")
    assert ("disabled", None) not in alert_checkbox(page, admin_user).attributes
    assertNotContains(production, "Switch to Production at the top of the page")

    sandbox = signed_in(admin_user, Environment.SANDBOX).get(MODAL)
    assert sandbox.status_code == 200
    page = sandbox.content.decode()
    settled = str(html_element(page, "details", class_="settled"))
    assert html_element(settled, "fieldset", id="category-alert")  # not needed here: folded with the settled
    assert ("disabled", None) in alert_checkbox(page, admin_user).attributes
    assertContains(
        sandbox,
        "Alert contacts can only be set in the Production environment. "
        "Switch to Production at the top of the page to choose them.",
        count=1,
    )
