"""The contact information form itself: rows posted as values, the rendered-fragment cache, 'Add another'."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from contacts.forms import ContactInformationForm, with_added_row
from contacts.forms.release import fingerprint, release
from contacts.models import Contact, ContactInformation, SupportWindow
from contacts.services import contact_information_for
from partners.environments import Environment
from tests.browser import sign_in
from tests.helpers import complete_contacts, contact_form_data, make_partner, posted_values, signed_in

URL = reverse("contacts:edit")


def test_a_tampered_row_id_changes_nothing_of_another_partner(complete_partner, admin_user):
    other = make_partner()
    theirs = complete_contacts(other)
    before = theirs.as_dict()
    their_operator = theirs.contacts.get(category="operator")
    their_shared = theirs.contacts.get(category="shared")
    their_window = theirs.support_windows.get()

    client = signed_in(admin_user)
    data = posted_values(client.get(URL))
    data.update(
        {
            "operator-0-id": str(their_operator.pk),
            "operator-0-email": "mine@acme.example",
            "operator-0-DELETE": "",
            "shared-id": str(their_shared.pk),
            "shared-email": "my-help@acme.example",
            "support_hours-0-id": str(their_window.pk),
            "support_hours-0-start": "08:00",
        }
    )
    response = client.post(URL, data)
    assert response.status_code == 302, response.context and response.context["form"].error_summary()

    theirs.refresh_from_db()
    assert theirs.as_dict() == before and theirs.version == 0
    assert Contact.objects.get(pk=their_operator.pk).email == their_operator.email
    assert SupportWindow.objects.filter(pk=their_window.pk).exists()
    mine = ContactInformation.objects.get(partner=complete_partner)
    assert mine.contacts.get(category="operator").email == "mine@acme.example"
    assert mine.contacts.get(category="shared").email == "my-help@acme.example"


def test_saving_the_page_unchanged_keeps_every_row_and_its_id(complete_partner, admin_user):
    info = ContactInformation.objects.get(partner=complete_partner)
    contacts = sorted(info.contacts.values_list("pk", "category", "email"))
    windows = list(info.support_windows.values_list("pk", flat=True))
    client = signed_in(admin_user)
    assert client.post(URL, posted_values(client.get(URL))).status_code == 302
    assert sorted(info.contacts.values_list("pk", "category", "email")) == contacts
    assert list(info.support_windows.values_list("pk", flat=True)) == windows


def test_rows_the_page_did_not_hold_are_replaced(complete_partner, admin_user):
    client = signed_in(admin_user)
    data = posted_values(client.get(URL))
    info = ContactInformation.objects.get(partner=complete_partner)
    Contact.objects.create(contact_information=info, category="operator", email="added-by-an-operator@acme.example")
    assert client.post(URL, data).status_code == 302
    assert list(info.contacts.filter(category="operator").values_list("email", flat=True)) == ["operator0@acme.example"]


def test_a_deployed_release_is_never_hidden_by_the_cache(complete_partner, admin_user, settings):
    client = signed_in(admin_user)
    settings.PORTAL_RELEASE = "one"
    assert 'value="operator0@acme.example"' in client.get(URL).content.decode()
    # Same version, different drawing (as a new template would draw it): only a new release shows it.
    Contact.objects.filter(category="operator").update(email="redrawn@acme.example")
    assert 'value="operator0@acme.example"' in client.get(URL).content.decode()  # served from the cache
    settings.PORTAL_RELEASE = "two"
    assert 'value="redrawn@acme.example"' in client.get(URL).content.decode()


def test_the_fingerprint_follows_templates_and_catalogues(tmp_path):
    templates, locale = tmp_path / "templates", tmp_path / "locale" / "es" / "LC_MESSAGES"
    templates.mkdir()
    locale.mkdir(parents=True)
    (templates / "page.html").write_text("<p>{{ one }}</p>")
    (locale / "django.po").write_text('msgid "One"\nmsgstr "Uno"\n')
    roots = ((str(templates),), (str(tmp_path / "locale"),), ())
    first = fingerprint(*roots)
    assert fingerprint(*roots) == first  # computed once per process
    fingerprint.cache_clear()
    (templates / "page.html").write_text("<p>{{ two }}</p>")
    second = fingerprint(*roots)
    fingerprint.cache_clear()
    (locale / "django.po").write_text('msgid "One"\nmsgstr "Una"\n')
    third = fingerprint(*roots)
    fingerprint.cache_clear()
    assert len({first, second, third}) == 3


def test_a_redisplayed_form_is_never_cached(complete_partner):
    info = contact_information_for(complete_partner)
    posted = ContactInformationForm(contact_form_data(), info=info, environment=Environment.SANDBOX)
    assert not posted.shows_stored
    assert not posted.redisplay().shows_stored
    assert not posted.redisplay().is_bound


def test_asking_for_a_row_shows_what_was_typed_not_the_cached_page(complete_partner, admin_user):
    client = signed_in(admin_user)
    data = posted_values(client.get(URL))  # draws the page, and caches its sections
    data["operator-0-email"] = "typed@acme.example"
    body = client.post(URL, {**data, "add_row": "operator"}).content.decode()
    assert 'value="typed@acme.example"' in body and 'name="operator-1-email"' in body
    assert 'value="operator0@acme.example"' in client.get(URL).content.decode()  # nor is the cache spoiled


@pytest.mark.parametrize(("rows", "removed", "expected"), [(1, 0, "2"), (9, 0, "10"), (10, 0, "10"), (10, 1, "11")])
def test_add_another_row_stops_at_the_limit_of_rows_kept(rows, removed, expected):
    data = contact_form_data(operator=[f"p{i}@acme.example" for i in range(rows)])
    for index in range(removed):
        data[f"operator-{index}-DELETE"] = "on"
    posted = QueryDict(mutable=True)
    for key, value in data.items():
        posted.setlist(key, value if isinstance(value, list) else [value])
    assert with_added_row(posted, "operator")["operator-TOTAL_FORMS"] == expected


def test_add_another_row_keeps_rows_marked_for_removal_marked(partner, admin_user):
    client = signed_in(admin_user)
    data = contact_form_data(operator=["one@acme.example", {"email": "two@acme.example", "DELETE": "on"}])
    response = client.post(reverse("contacts:onboarding"), {**data, "add_row": "operator"})
    again = posted_values(response)
    assert again["operator-TOTAL_FORMS"] == "3"
    assert again["operator-1-email"] == "two@acme.example" and again["operator-1-DELETE"] == "on"
    assert "operator-0-DELETE" not in again
    assert again["operator-2-email"] == ""
    assert "problem to fix" not in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rows_are_added_and_removed_in_the_browser(live_server, page, page_errors):
    from playwright.sync_api import expect

    from tests.helpers import admin_of

    partner = make_partner()
    complete_contacts(partner)
    sign_in(page.context, live_server, admin_of(partner))
    page.goto(f"{live_server.url}{URL}")
    operator = page.locator("#category-operator")
    operator.get_by_role("button", name="Add another contact").click()
    expect(page.locator("#id_operator-TOTAL_FORMS")).to_have_value("2")
    expect(page.locator("#id_operator-1-email")).to_be_focused()
    page.keyboard.type("escalations@acme.example")
    operator.locator("#id_operator-0-DELETE").check()
    expect(operator.locator("#row-operator-0")).to_have_class("entry is-removed")
    page.get_by_role("button", name="Save contact information").click()
    expect(page.get_by_text("Contact information saved.")).to_be_visible()
    info = ContactInformation.objects.get(partner=partner)
    assert list(info.contacts.filter(category="operator").values_list("email", flat=True)) == [
        "escalations@acme.example"
    ]
    expect(page.locator("#id_operator-0-email")).to_have_value("escalations@acme.example")


def test_the_release_follows_the_libraries_and_languages_that_draw_the_page(settings, monkeypatch):
    settings.PORTAL_RELEASE = ""
    first = release()
    settings.LANGUAGES = [("en", "English")]
    assert release() != first
    settings.LANGUAGES = [("en", "English"), ("es", "Spanish")]
    assert release() == first
    monkeypatch.setattr("phonenumbers.__version__", "0.0.1")  # new country names or calling codes
    assert release() != first
