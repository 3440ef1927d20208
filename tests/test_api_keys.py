"""Settings › API keys, the operators' admin and `manage.py createapikey`: a key is shown once, kept as a digest."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User, token_digest
from contacts.api.models import KEY_PREFIX, APIKey
from contacts.api.services import api_key_create
from partners.models import Activity
from tests.helpers import PASSWORD, html_element, make_partner, signed_in, visible_text

URL = reverse("api_keys:list")


def create(client, name="Nightly sync", scope="read"):
    """Post the create form; returns the response."""
    return client.post(URL, {"name": name, "scope": scope})


def attributes(response_or_html, tag, **wanted):
    """The attributes of the one element of a page with a tag and attribute values."""
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    return dict(html_element(html, tag, **wanted).attributes)


def shown_key(response):
    """The key the created page shows in its read-only field."""
    return attributes(response, "input", id="api-key")["value"]


@pytest.fixture
def client(complete_partner, admin_user):
    return signed_in(admin_user)


@pytest.fixture
def key(complete_partner, admin_user):
    key, _text = api_key_create(partner=complete_partner, name="Nightly sync", scope="write", actor=admin_user)
    return key


# --- The page and the key shown once ---------------------------------------------------------------------------


def test_an_admin_creates_a_key_and_sees_it_once(client, complete_partner, admin_user, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    response = create(client, name="  Nightly sync  ", scope="write")
    assert response.status_code == 200
    assert response.templates[0].name == "api/key_created.html"
    text = shown_key(response)
    assert text.startswith(KEY_PREFIX)
    assertContains(response, "Copy this key now: you will not see it again.")
    assertContains(
        response, f'curl -H "Authorization: Bearer {text}" https://portal.example/api/v1/contact-information'
    )
    assertContains(response, f'href="{URL}"')
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}

    key = APIKey.objects.get(partner=complete_partner)
    assert (key.name, key.scope, key.created_by) == ("Nightly sync", "write", admin_user)
    assert key.digest == token_digest(text)
    assert key.prefix == text[: len(key.prefix)] and len(key.prefix) < len(text)
    stored = [str(getattr(key, field.attname)) for field in APIKey._meta.concrete_fields]
    assert not [value for value in stored if text in value]
    assert text not in str(Activity.objects.filter(partner=complete_partner).values())

    listed = client.get(URL)
    assertNotContains(listed, text)
    assertContains(listed, "Nightly sync")
    assertContains(listed, f"{key.prefix}…")
    assertContains(listed, "Read and write")
    assertContains(listed, "Never")
    assertContains(listed, admin_user.name)


def test_the_key_is_put_in_no_session_and_no_message(client):
    text = shown_key(create(client))
    session = client.session
    assert text not in str(dict(session.items()))
    assert text not in client.get(URL).content.decode()


def test_the_list_shows_when_a_key_was_last_used_and_not_revoked_keys(client, complete_partner, key, admin_user):
    APIKey.objects.filter(pk=key.pk).update(last_used_at="2030-05-06T07:08:00Z")
    gone, _text = api_key_create(partner=complete_partner, name="Old script", scope="read", actor=admin_user)
    gone.revoked_at = gone.created_at
    gone.save()
    response = client.get(URL)
    assert list(response.context["keys"]) == [key]
    assertNotContains(response, "Old script")
    assertNotContains(response, ">Never<")
    assertContains(response, 'href="/api/v1/docs"')


def test_only_this_partners_keys_are_listed(client):
    other = make_partner("Elsewhere Co")
    api_key_create(partner=other, name="Their secret script", scope="read")
    assertNotContains(client.get(URL), "Their secret script")


def test_the_form_defaults_to_read_and_says_what_each_scope_allows(client):
    response = client.get(URL)
    checked = attributes(response, "input", name="scope", checked=None)
    assert checked["value"] == "read"
    assertContains(response, "Read: GET the contact information, requirements and notifications.")
    assertContains(response, "Read and write: also replace the contact information.")


def test_a_duplicate_name_is_the_names_error_and_keeps_what_was_typed(client, key):
    response = create(client, name="Nightly sync", scope="write")
    assert response.status_code == 200
    form = response.context["form"]
    assert "exists already" in " ".join(form.errors["name"])
    assert (form["name"].value(), form["scope"].value()) == ("Nightly sync", "write")
    assert attributes(response, "input", name="scope", checked=None)["value"] == "write"
    assert APIKey.objects.count() == 1


@pytest.mark.parametrize(
    "data,field",
    [
        ({"name": "   ", "scope": "read"}, "name"),
        ({"name": "x" * 101, "scope": "read"}, "name"),
        ({"name": "Sync\u202eCNYS", "scope": "read"}, "name"),
        ({"name": "Sync", "scope": "admin"}, "scope"),
        ({"name": "Sync"}, "scope"),
    ],
)
def test_a_bad_name_or_scope_is_refused(client, data, field):
    response = client.post(URL, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not APIKey.objects.exists()


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_are_refused(complete_partner, key, role, request):
    client = signed_in(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert create(client, name="Mine").status_code == 403
    assert client.post(reverse("api_keys:revoke", args=[key.pk]), {"confirmed": "1"}).status_code == 403
    assert APIKey.objects.active().get() == key


def test_an_admin_reaches_the_page_from_the_modal_while_the_gate_holds(partner, admin_user, editor):
    """The API is a way through the onboarding gate: an Admin creates its key before the contact information is
    complete, from a link in the modal."""
    client = signed_in(admin_user)
    modal = client.get(reverse("contacts:onboarding")).content.decode()
    assert f'href="{URL}"' in modal
    assert client.get(URL).status_code == 200
    assert create(client, name="Onboarding script", scope="write").status_code == 200
    assert APIKey.objects.active().filter(partner=partner, name="Onboarding script").exists()
    assert f'href="{URL}"' not in signed_in(editor).get(reverse("contacts:onboarding")).content.decode()


# --- Revoking ----------------------------------------------------------------------------------------------------


def test_revoking_asks_first_then_revokes_and_records_it(client, key, admin_user):
    url = reverse("api_keys:revoke", args=[key.pk])
    for asked in (client.get(url), client.post(url)):
        assert asked.status_code == 200
        assertContains(asked, "Revoke the API key “Nightly sync”?")
        assertContains(asked, 'name="confirmed"')
    key.refresh_from_db()
    assert key.revoked_at is None

    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == URL
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin_user
    activity = Activity.objects.get(action=Activity.Action.API_KEY_REVOKED)
    assert (activity.subject, activity.actor, activity.partner_id) == ("Nightly sync", admin_user, key.partner_id)
    listed = client.get(URL)
    assertContains(listed, "The API key “Nightly sync” was revoked.")
    assert list(listed.context["keys"]) == []


def test_the_list_revoke_button_asks_in_a_dialog_too(client, key):
    form = attributes(client.get(URL), "form", action=reverse("api_keys:revoke", args=[key.pk]))
    assert form["method"] == "post"
    assert form["data-confirm"] == "Revoke the API key “Nightly sync”?"
    assert form["data-confirm-button"] == "Revoke"


def test_another_partners_key_is_not_found(client):
    other = make_partner("Elsewhere Co")
    theirs, _text = api_key_create(partner=other, name="Theirs", scope="write")
    url = reverse("api_keys:revoke", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirmed": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- The navigation, the activity log, Spanish ----------------------------------------------------------------------


def test_the_nav_links_api_keys_for_admins_only(complete_partner, admin_user, editor, viewer):
    link = f'href="{URL}"'
    assertContains(signed_in(admin_user).get(reverse("portal:dashboard")), link)
    current = signed_in(admin_user).get(URL).content.decode()
    assert attributes(current, "a", href=URL).get("aria-current") == "page"
    for member in (editor, viewer):
        assertNotContains(signed_in(member).get(reverse("portal:dashboard")), link)


def test_the_activity_log_names_key_changes(client, complete_partner, key):
    client.post(reverse("api_keys:revoke", args=[key.pk]), {"confirmed": "1"})
    api_key_create(partner=complete_partner, name="From a script", scope="read", label="operator:")
    text = visible_text(client.get(reverse("portal:activity")).content.decode())
    assert "API key created · Nightly sync" in text
    assert "API key revoked · Nightly sync" in text
    assert "API key created · From a script" in text
    assert "An operator," in text


def test_the_page_speaks_spanish(client, key):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(URL).content.decode()
    assert '<html lang="es">' in page
    text = visible_text(page)
    assert "Configuración" in text and "Nunca" in text and "Revocar" in text
    assert "Settings" not in text and "Never" not in text


# --- The operators' admin --------------------------------------------------------------------------------------------


@pytest.fixture
def operator_client(db):
    client = Client()
    client.force_login(User.objects.create_superuser(email="operator@portal.example", password=PASSWORD))
    return client


def test_operators_list_keys_without_their_digest_and_cannot_add_one(operator_client, key):
    changelist = operator_client.get(reverse("admin:api_apikey_changelist"))
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [key]
    assert operator_client.get(reverse("admin:api_apikey_changelist"), {"q": "Acme"}).context["cl"].result_count == 1
    assert (
        operator_client.get(reverse("admin:api_apikey_changelist"), {"revoked": "yes"}).context["cl"].result_count == 0
    )
    change = operator_client.get(reverse("admin:api_apikey_change", args=[key.pk]))
    assert change.status_code == 200
    assertNotContains(change, key.digest)
    assert operator_client.get(reverse("admin:api_apikey_add")).status_code == 403


def test_operators_may_change_the_rate_limit_alone(operator_client, key):
    url = reverse("admin:api_apikey_change", args=[key.pk])
    response = operator_client.post(url, {"rate_limit": "600", "name": "Renamed", "scope": "read"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.rate_limit, key.name, key.scope) == (600, "Nightly sync", "write")


def test_operators_revoke_keys_under_their_name(operator_client, key):
    response = operator_client.post(
        reverse("admin:api_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    activity = Activity.objects.get(action=Activity.Action.API_KEY_REVOKED)
    assert activity.actor_label == "operator:operator@portal.example"
    assert activity.actor_display == "Operator (operator@portal.example)"


# --- manage.py createapikey ---------------------------------------------------------------------------------------


def createapikey(*args, **options):
    out = StringIO()
    call_command("createapikey", *[str(a) for a in args], stdout=out, **options)
    return out.getvalue()


def test_the_command_prints_the_key_alone_on_its_last_line(complete_partner):
    output = createapikey(complete_partner.pk, "--name", "Deploy bot", "--scope", "write", "--rate-limit", "120")
    text = output.splitlines()[-1]
    assert text.startswith(KEY_PREFIX) and " " not in text
    assert "Deploy bot" in output.splitlines()[0]
    key = APIKey.objects.get(partner=complete_partner)
    assert (key.name, key.scope, key.rate_limit, key.created_by) == ("Deploy bot", "write", 120, None)
    assert key.digest == token_digest(text)
    activity = Activity.objects.get(action=Activity.Action.API_KEY_CREATED)
    assert activity.actor_display == "An operator"


def test_the_command_reads_by_default(complete_partner):
    text = createapikey(complete_partner.pk, "--name", "Reader").splitlines()[-1]
    assert APIKey.objects.get(digest=token_digest(text)).scope == "read"


def test_the_command_refuses_an_unknown_partner(db):
    with pytest.raises(CommandError, match="No partner has id 999999"):
        createapikey(999999, "--name", "Deploy bot")
    assert not APIKey.objects.exists()


def test_the_command_refuses_a_duplicate_name(complete_partner, key):
    with pytest.raises(CommandError, match="exists already"):
        createapikey(complete_partner.pk, "--name", "Nightly sync")
    assert APIKey.objects.count() == 1


def test_the_command_refuses_an_empty_name(complete_partner):
    with pytest.raises(CommandError, match="needs a name"):
        createapikey(complete_partner.pk, "--name", "  ")
    assert not APIKey.objects.exists()
