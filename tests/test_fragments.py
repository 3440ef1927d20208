"""The cached renderings of the contact form (contacts.fragments): what their keys hold, and that a page drawn
from the cache is the page drawn afresh, byte for byte, with fewer queries."""

import re
from dataclasses import fields, replace

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import translation

import contacts.views
from accounts.models import User
from contacts.forms import ContactInformationForm
from contacts.fragments import KEY_INPUTS, BlankRowKey, EmptyRowKey, FormBodyKey, SectionKey
from contacts.models import Contact, ContactInformation
from contacts.services import contact_information_for
from partners.environments import Environment
from partners.models import Role
from portal.cache import TieredCache
from tests.helpers import complete_contacts, make_member, posted_values, signed_in

SETTINGS = reverse("contacts:edit")
MODAL = reverse("contacts:onboarding")


def body_key(partner, environment=Environment.PRODUCTION, page=SETTINGS, **kwargs):
    form = ContactInformationForm(info=contact_information_for(partner), environment=environment, **kwargs)
    return FormBodyKey.of(form, page)


# --- Keys: every input listed in one place, and each one changes the key -------------------------------------


def test_the_inputs_of_each_key_are_listed_in_one_place():
    assert KEY_INPUTS[FormBodyKey] == (
        "release",
        "language",
        "page",
        "partner",
        "integration",
        "phone_region",
        "info",
        "version",
        "saved_at",
        "outstanding",
        "environment",
        "read_only",
        "only",
        "members",
        "verifications",
        "warnings",
    )
    # The empty rows outlive every save: nothing stored is in their key.
    assert KEY_INPUTS[EmptyRowKey] == ("release", "language", "category", "integration", "phone_region", "environment")
    assert KEY_INPUTS[BlankRowKey] == ("row", "number", "fixed", "read_only")
    # A section, by its own content within the form's frame: a save draws again only what it changed.
    assert KEY_INPUTS[SectionKey] == ("frame", "category", "content")


@pytest.mark.parametrize("key_class", [FormBodyKey, SectionKey, EmptyRowKey, BlankRowKey])
def test_changing_any_input_changes_the_key(key_class):
    row = EmptyRowKey("r", "en", "operator", "reservations", "US", "sandbox")
    body = FormBodyKey(*("x" for _ in fields(FormBodyKey)))
    values = {"str": "a", "int": 1, "bool": False, "tuple": ("a",), "EmptyRowKey": row, "FormBodyKey": body}
    base = key_class(**{field.name: values[field.type.__name__] for field in fields(key_class)})
    others = {"str": "b", "int": 2, "bool": True, "tuple": ("b",), "EmptyRowKey": replace(row, category="shared")}
    others["FormBodyKey"] = replace(body, language="y")
    keys = {str(replace(base, **{field.name: others[field.type.__name__]})) for field in fields(key_class)}
    assert str(base) not in keys and len(keys) == len(fields(key_class))


def test_the_key_follows_what_the_form_is_drawn_from(complete_partner, admin_user):
    first = body_key(complete_partner)
    assert body_key(complete_partner) == first  # nothing changed, same key
    with translation.override("es"):
        assert body_key(complete_partner).language == "es"
    with override_settings(PORTAL_RELEASE="next"):
        assert body_key(complete_partner).release == "next"
    assert body_key(complete_partner, Environment.SANDBOX).environment == "sandbox"
    assert body_key(complete_partner, page=MODAL).page == MODAL
    assert body_key(complete_partner, read_only=True).read_only is True

    # A save raises the version; a member renamed changes the picker's rows, not the version.
    info = contact_information_for(complete_partner)
    ContactInformation.objects.filter(pk=info.pk).update(version=info.version + 1)
    saved = body_key(complete_partner)
    assert saved.version == first.version + 1 and str(saved) != str(first)
    User.objects.filter(pk=admin_user.pk).update(name="Renamed Admin")
    assert body_key(complete_partner).members != saved.members


def test_a_section_key_follows_its_own_content_not_the_version(complete_partner):
    info = contact_information_for(complete_partner)
    form = ContactInformationForm(info=info, environment=Environment.PRODUCTION)
    form.body_key = FormBodyKey.of(form, SETTINGS)
    before = {section.category.code: str(section.cache_key) for section in form.sections}
    Contact.objects.filter(contact_information=info, category="operator").update(email="changed@acme.example")
    ContactInformation.objects.filter(pk=info.pk).update(version=info.version + 1)
    form = ContactInformationForm(info=contact_information_for(complete_partner), environment=Environment.PRODUCTION)
    form.body_key = FormBodyKey.of(form, SETTINGS)
    after = {section.category.code: str(section.cache_key) for section in form.sections}
    assert [code for code in before if before[code] != after[code]] == ["operator"]
    User.objects.filter(pk=complete_partner.memberships.get().user_id).update(name="Renamed")
    form = ContactInformationForm(info=contact_information_for(complete_partner), environment=Environment.PRODUCTION)
    form.body_key = FormBodyKey.of(form, SETTINGS)
    renamed = {section.category.code: str(section.cache_key) for section in form.sections}
    assert [code for code in after if after[code] != renamed[code]] == ["alert"]  # the picker shows the name


def test_a_form_that_shows_a_post_has_no_member_listing(complete_partner):
    info = contact_information_for(complete_partner)
    posted = ContactInformationForm({"general-version": "0"}, info=info, environment=Environment.PRODUCTION)
    assert not posted.shows_stored and posted.member_listing is None


# --- Pages: the same bytes from the cache, fewer queries -----------------------------------------------------


def page_html(response):
    """The page without what differs on every request by design: the CSRF token and the scripts' nonce."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", html)


def drawn_live(client, url, monkeypatch):
    """The page drawn without the form-body cache: the template's own partial, as for a posted form."""
    with monkeypatch.context() as patch:
        patch.setattr(contacts.views, "form_body", lambda key, draw: None)
        return page_html(client.get(url))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("url", "complete"), [(SETTINGS, True), (MODAL, False)], ids=["settings", "modal"])
def test_the_cached_page_is_the_page_drawn_afresh(partner, admin_user, monkeypatch, language, url, complete):
    make_member(partner, Role.EDITOR, name="Eddie Editor")
    if complete:
        complete_contacts(partner, alerts=[admin_user], per_category=2)
    client = signed_in(admin_user, Environment.PRODUCTION)
    client.cookies["django_language"] = language
    live = drawn_live(client, url, monkeypatch)
    miss = page_html(client.get(url))  # drawn, and kept
    hit = page_html(client.get(url))  # read back
    assert live == miss == hit
    assert ("Guardar" in hit) == (language == "es")
    if complete:
        assert "Support coverage this week" in hit or "Cobertura" in hit  # drawn per request between the halves


def test_a_cached_page_reads_neither_rows_nor_windows(complete_partner, admin_user, django_assert_num_queries):
    client = signed_in(admin_user, Environment.PRODUCTION)
    client.get(SETTINGS)
    # session (unless cached), user, memberships, contact information, the alert contacts' picker, the addresses'
    # verifications (the membership says there is no draft to look for)
    with django_assert_num_queries(5 if settings.SESSION_ENGINE.endswith("cached_db") else 6):
        assert client.get(SETTINGS).status_code == 200


def test_a_modal_drawn_before_costs_its_floor_of_queries(partner, admin_user, django_assert_num_queries):
    client = signed_in(admin_user, Environment.PRODUCTION)
    client.get(MODAL)
    # session (unless cached), user, memberships, contact information, the alert contacts' picker, the addresses'
    # verifications; and the Users tab: its members with their count (no invitation is pending: the partner says so)
    with django_assert_num_queries(6 if settings.SESSION_ENGINE.endswith("cached_db") else 7):
        assert client.get(MODAL).status_code == 200


def test_a_member_renamed_is_shown_renamed(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    assert admin_user.email in client.get(SETTINGS).content.decode()
    User.objects.filter(pk=admin_user.pk).update(name="Ada Renamed")
    assert "Ada Renamed" in client.get(SETTINGS).content.decode()


def test_a_save_is_shown_at_once(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "new-operator@acme.example"
    assert client.post(SETTINGS, data).status_code == 302
    assert 'value="new-operator@acme.example"' in client.get(SETTINGS).content.decode()


def test_a_save_draws_again_only_the_category_it_changed(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    client.get(SETTINGS)
    fragments = caches["fragments"]
    kept = set(fragments._cache) if hasattr(fragments, "_cache") else set(fragments.front._cache)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "new-operator@acme.example"
    client.post(SETTINGS, data)
    client.get(SETTINGS)
    now = set(fragments._cache) if hasattr(fragments, "_cache") else set(fragments.front._cache)
    added = sorted(key.split(":")[2].rsplit(".", 1)[0] for key in now - kept)
    # The form's new body, and the one section whose content changed; the other sections and every empty row
    # came from the cache.
    assert added == ["contact-form", "template.cache.section"]


# --- The per-process cache in front of the shared one ---------------------------------------------------------


@pytest.fixture
def tiered(settings):
    settings.CACHES = {
        **settings.CACHES,
        "shared-for-test": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared-test"},
    }
    front = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "front-test"}
    cache = TieredCache(None, {"TIMEOUT": 60, "OPTIONS": {"FRONT": front, "BACK": "shared-for-test"}})
    yield cache
    cache.front.clear()
    cache.back.clear()


def test_a_value_set_is_read_from_the_process_without_the_shared_cache(tiered):
    tiered.set("k", "v")
    assert tiered.back.get("k") == "v"
    tiered.back.delete("k")
    assert tiered.get("k") == "v"


def test_a_value_from_another_process_is_kept_in_this_one(tiered):
    tiered.back.set("k", "v")  # as another app server would have
    assert tiered.get("k") == "v"
    tiered.back.delete("k")
    assert tiered.get("k") == "v"
    assert tiered.get("missing", "default") == "default"


def test_clearing_leaves_the_shared_cache_alone(tiered):
    tiered.set("k", "v")
    tiered.clear()
    assert tiered.back.get("k") == "v"
    tiered.delete("k")
    assert tiered.get("k") is None and tiered.back.get("k") is None


# --- Found by review: what a cached page must still get right -------------------------------------------------


def contact_form_action(html):
    return re.search(r'<form method="post" action="([^"]*)" class="contact-form"', html).group(1)


def test_the_modal_drawn_by_the_invite_view_still_posts_its_form_to_the_modal(partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    assert contact_form_action(client.get(MODAL).content.decode()) == MODAL
    refused = client.post(
        f"{reverse('portal:invite')}?next=/", {"email": "no", "role": "editor", "frame": "onboarding"}
    )
    assert contact_form_action(refused.content.decode()) == MODAL  # not the invite view's own address
    data = posted_values(refused)
    data["technical_emergency-0-email"] = "ops@acme.example"
    judged = client.post(contact_form_action(refused.content.decode()), data).content.decode()
    assert "Contact information required" in judged  # the modal judges it (other categories are missing)
    assert 'value="ops@acme.example"' in judged  # and keeps what was typed


def test_a_category_edited_alone_offers_every_phone_country(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    html = client.get(reverse("contacts:edit_section", args=["technical_emergency"])).content.decode()
    assert html.count('id="phone-regions"') == 1  # form.js fills the selects from it


def test_the_picker_follows_a_partner_growing_past_a_page_of_members(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    assert 'name="general-member_search"' not in client.get(SETTINGS).content.decode()  # listed: one member
    for n in range(21):
        make_member(complete_partner, Role.VIEWER, name=f"New member {n}")
    assert 'name="general-member_search"' in client.get(SETTINGS).content.decode()  # the chosen, then a search
