"""Every URL of the project × every kind of visitor × GET and POST: the expected status, nothing leaked."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from contacts.api.services import api_key_create
from contacts.models import AddressVerification
from partners.models import Activity, Invitation, Partner, Role, hash_token
from tests.helpers import admin_of, complete_contacts, make_member, make_partner

ROLES = ["anonymous", "viewer", "editor", "admin", "other_admin", "operator"]
MEMBERS = {"viewer", "editor", "admin", "other_admin"}
SECRET = "secret-contact@partner-a.example"
TOKEN = "a-valid-invitation-token-for-the-matrix"

PUBLIC_GET = {"portal:help", "health", "password_reset", "password_reset_done", "password_reset_complete"}
MEMBER_PAGES = {
    "portal:dashboard",
    "portal:users",
    "portal:activity",
    "notifications:list",
    "contacts:edit",
    "contacts:settings",
}
READ_ONLY_PAGES = {"portal:dashboard", "portal:activity", "portal:users", "notifications:list", "contacts:settings"}
# Asked first: a GET (or a POST without `confirmed`) shows the confirmation page.
CONFIRMED_ACTIONS = {"portal:member_remove", "portal:launch", "portal:admin_handover", "api_keys:revoke"}
DRAFTS = {"contacts:draft", "contacts:draft_discard", "contacts:draft_switch"}
OBJECT_ACTIONS = {
    "portal:member_role",
    "portal:member_remove",
    "portal:invitation_resend",
    "portal:invitation_revoke",
    "portal:admin_handover",
    "api_keys:revoke",
}


def all_patterns():
    """(qualified name, route, converters) for every named URL pattern of the project."""
    found = []

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, [*pattern.pattern.regex.groupindex]))

    walk(get_resolver().url_patterns)
    return found


def expected(name, role, method):
    """The statuses a request may get; anything else is a failure."""
    anonymous, operator = role == "anonymous", role == "operator"
    if name.startswith("admin:"):
        if not operator:
            return {200} if name == "admin:login" else {302}  # the admin's own sign-in
        return {200, 302, 403, 404, 405}  # 403: read-only models, autocomplete without a field
    if name in {"api_v1:openapi-json", "api_v1:openapi-view"}:
        return {200} if method == "GET" else {405}  # the API's documents are public
    if name == "api_v1:api-root":
        return {404}  # django-ninja's root names no resource
    if name.startswith("api_v1:"):
        return {401} if method == "GET" else {405}  # a session is no API key, whoever signed in
    if name in PUBLIC_GET:
        return {200} if method == "GET" else ({405} if name in {"portal:help", "health"} else {200, 302, 405})
    if name == "login":
        return {200} if anonymous else {302}  # signed-in users go straight to the portal
    if name == "logout":
        return {405} if method == "GET" and not anonymous else {302}
    if name == "set_language":
        return {405} if method == "GET" else {302}
    if name == "password_reset_confirm":
        return {200}  # the bogus link is explained on the page
    if name == "portal:accept_invitation":
        return {200} if anonymous else {403}  # the invitation is for another address
    if name == "notifications:acknowledge":
        return {410}  # a made-up token: the page explains, for anyone, and records nothing
    if name in {"email_change_confirm", "verification:confirm"}:
        return {410}  # a made-up token: the page says the link no longer works, for anyone
    if anonymous:
        return {302}  # to sign in
    if name.startswith("two_factor:"):  # nobody in this world has an authenticator app
        if name == "two_factor:setup":
            return {200}  # the QR code; a POST without a code shows the form's error
        if name == "two_factor:recovery_codes":
            return {302} if method == "GET" else {405}  # none to show: back to the profile
        if name == "two_factor:recovery_codes_regenerate":
            return {405} if method == "GET" else {302}
        return {302}  # verify, disable: nothing to verify or turn off
    if name == "email_change":
        return {200}  # every signed-in account has an address (a POST without fields shows the form's errors)
    if name in DRAFTS:
        if method == "GET":
            return {405}
        if operator:
            return {403}
        if name == "contacts:draft_switch":
            return {302}  # anyone may switch; only those who may edit keep a draft
        if role == "viewer":
            return {403}
        return {200} if name == "contacts:draft" else {302}
    if name == "portal:leave":
        if operator:
            return {403}
        # Admins of this world are their partner's only Admin: refused, back with the reason.
        return {302} if role in {"admin", "other_admin"} else {200}
    if name == "profile":
        return {200}  # everyone signed in has one (a POST without fields shows the form's errors)
    if name in {"password_change", "password_change_done"}:
        return {200} if method == "GET" or name == "password_change" else {405}
    if name in {"portal:switch_environment", "portal:switch_partner"}:
        return {405} if method == "GET" else ({302} if name.endswith("environment") else {404})
    if name == "contacts:time_zone_names":
        return {200} if method == "GET" else {405}  # the time zones' suggestions: the same for everyone signed in
    if operator:  # staff without a membership
        if method == "GET" and name in CONFIRMED_ACTIONS:
            return {403}
        if method == "GET" and name in OBJECT_ACTIONS | {"portal:launch", "portal:invite", "contacts:remind"}:
            return {405}
        if method == "GET" and name in {"contacts:review", "verification:resend"}:
            return {405}
        if method == "POST" and name == "portal:admin_handover_start":
            return {405}
        if method == "POST" and name == "contacts:member_search":
            return {405}
        if method == "POST" and name in READ_ONLY_PAGES:
            return {405}
        return {403}
    if name in MEMBER_PAGES:
        if method == "GET":
            return {200}
        if name in READ_ONLY_PAGES:
            return {405}
        return {403} if role == "viewer" else {200}  # contacts:edit
    if name == "contacts:member_search":
        return {405} if method == "POST" else ({403} if role == "viewer" else {200})
    if name == "contacts:phone_region":
        if method == "GET":
            return {200}
        return {200} if role in {"admin", "other_admin"} else {403}  # the empty form, shown again with its error
    if name == "contacts:edit_section":
        return {404}  # "x" is no category
    if name == "contacts:review":
        return {405} if method == "GET" else ({403} if role == "viewer" else {302})
    if name == "contacts:remind":
        return {405} if method == "GET" else ({302} if role == "viewer" else {403})
    if name == "contacts:onboarding":
        if method == "GET":
            return {302}  # complete: back to the portal
        return {403} if role == "viewer" else {200}
    if name == "portal:invite":
        if method == "GET":
            return {405}
        return {200} if role in {"admin", "other_admin"} else {403}  # the empty form, shown again
    if name == "portal:launch":
        return {200} if role in {"admin", "other_admin"} else {403}  # the confirmation page
    if name in OBJECT_ACTIONS:
        if method == "GET" and name not in CONFIRMED_ACTIONS:
            return {405}
        if role == "other_admin":
            return {404}  # partner A's objects do not exist for partner B
        if name in CONFIRMED_ACTIONS:
            return {200} if role == "admin" else {403}
        return {302} if role == "admin" else {403}
    if name == "portal:admin_handover_start":
        if method == "POST":
            return {405}
        return {302} if role in {"admin", "other_admin"} else {403}  # no email named: back with the reason
    if name == "portal:activity_restore":
        if role == "other_admin":
            return {404}  # partner A's activity does not exist for partner B
        return {200} if role == "admin" else {403}  # the confirmation page, for Admins only
    if name == "verification:resend":
        if method == "GET":
            return {405}
        if role == "other_admin":
            return {404}
        return {403} if role == "viewer" else {302}  # verified already: back with the reason
    if name == "notifications:test_messages":
        if role == "viewer":
            return {403}
        return {200} if method == "GET" else {404}  # a POST names no category
    if name == "api_keys:list":
        return {200} if role in {"admin", "other_admin"} else {403}
    raise AssertionError(f"no expectation for {name}: add one")


@pytest.fixture
def world(db):
    partner = make_partner("Partner A")
    admin = admin_of(partner)
    viewer = make_member(partner, Role.VIEWER)
    editor = make_member(partner, Role.EDITOR)
    target = make_member(partner, Role.EDITOR, email="target@partner-a.example")
    info = complete_contacts(partner, alerts=[admin])
    info.contacts.filter(category="operator").update(email=SECRET)
    other = make_partner("Partner B")
    complete_contacts(other, alerts=[admin_of(other)])
    invitation = Invitation.objects.create(
        partner=partner,
        email="invitee@partner-a.example",
        role=Role.EDITOR,
        invited_by=admin,
        token_hash=hash_token(TOKEN),
        expires_at="2999-01-01T00:00:00Z",
    )
    operator = User.objects.create_superuser(email="operator@portal.example", password="x-Op3rator-pass")
    users = {
        "viewer": viewer,
        "editor": editor,
        "admin": admin,
        "other_admin": admin_of(other),
        "operator": operator,
    }
    activity = Activity.objects.create(
        partner=partner,
        action=Activity.Action.CONTACTS_UPDATED,
        before={"version": 0, **info.as_dict(), "technical_emergency": [{"email": "old-pager@partner-a.example"}]},
        after={"version": info.version, **info.as_dict()},
    )
    verification = AddressVerification.objects.filter(partner=partner).first()
    return {
        "partner": partner,
        "target": target,
        "invitation": invitation,
        "users": users,
        "activity": activity,
        "verification": verification,
        "api_key": api_key_create(partner=partner, name="k", scope="read")[0],
    }


def kwargs_for(name, converters, world):
    values = {}
    for key in converters:
        if key == "pk":
            membership = world["target"].memberships.get()
            values[key] = world["invitation"].pk if "invitation" in name else membership.pk
            if name == "portal:activity_restore":
                values[key] = world["activity"].pk
            elif name == "verification:resend":
                values[key] = world["verification"].pk
            elif name == "api_keys:revoke":
                values[key] = world["api_key"].pk
        elif key == "token":
            values[key] = TOKEN
        elif key == "uidb64":
            values[key] = "MQ"
        elif key == "object_id":
            # admin:<app label>_<model name>_change, where app labels may hold underscores (django_tasks_db)
            models = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in apps.get_models()}
            match = re.match(r"admin:(\w+)_(change|delete|history)$", name)
            model = models.get(match.group(1), Partner) if match else Partner
            obj = model.objects.order_by("pk").first()
            values[key] = str(obj.pk) if obj else "999999"
        elif key == "app_label":
            values[key] = "partners"
        elif key == "content_type_id":
            values[key] = ContentType.objects.get_for_model(Partner).pk
        else:
            values[key] = "x"
    return values


def fresh_client(user):
    """A client as `user` (None: anonymous) after a first visit: its session holds the current partner.

    Signing in outside the savepoint of each request keeps the session row and a cached session (Redis)
    in step.
    """
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
        client.get(reverse("portal:help"))
    return client


def test_every_url_for_every_visitor(world):
    patterns = all_patterns()
    assert len(patterns) > 40  # the project's own URLs and the admin's
    failures = []
    clients = {}
    for name, converters in patterns:
        url = reverse(name, kwargs=kwargs_for(name, converters, world))
        for role in ROLES:
            for method in ("GET", "POST"):
                if role not in clients:
                    clients[role] = fresh_client(world["users"].get(role))
                client = clients[role]
                with transaction.atomic():
                    response = client.get(url) if method == "GET" else client.post(url, {})
                    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
                    transaction.set_rollback(True)  # every request starts from the same world
                if settings.SESSION_COOKIE_NAME in response.cookies:
                    # The request changed its session (signed in or out, switched something), and the rollback
                    # undid the change but not the cookie: the next request starts from a fresh sign-in.
                    del clients[role]
                allowed = expected(name, role, method)
                if response.status_code not in allowed:
                    failures.append(f"{method} {url} as {role}: {response.status_code}, expected {sorted(allowed)}")
                if role == "other_admin" and SECRET in body:
                    failures.append(f"{method} {url} as {role}: partner A's contact leaked")
                if role != "operator" and role != "admin" and name.startswith("admin:") and SECRET in body:
                    failures.append(f"{method} {url} as {role}: admin content leaked")
    assert failures == [], "\n".join(failures)


def test_cross_partner_ids_change_nothing(world):
    client = Client()
    client.force_login(world["users"]["other_admin"])
    target = world["target"].memberships.get()
    invitation = world["invitation"]
    for url, data in [
        (reverse("portal:member_role", kwargs={"pk": target.pk}), {"role": "admin"}),
        (reverse("portal:member_remove", kwargs={"pk": target.pk}), {}),
        (reverse("portal:invitation_revoke", kwargs={"pk": invitation.pk}), {}),
        (reverse("portal:invitation_resend", kwargs={"pk": invitation.pk}), {}),
    ]:
        assert client.post(url, data).status_code == 404
    target.refresh_from_db()
    invitation.refresh_from_db()
    assert target.role == Role.EDITOR and invitation.revoked_at is None
    assert client.post(reverse("portal:switch_partner"), {"partner": world["partner"].pk}).status_code == 404
