"""The phone country selects weigh little: a number that names its own country ("+34 612 34 56 78") gets that
option alone, the page carries the full list of countries once (a <template> the script copies from), and a form
posted without JavaScript still reads any country."""

import re

import phonenumbers
import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from phonenumber_field.phonenumber import PhoneNumber, to_python
from playwright.sync_api import expect

from contacts.forms.fields import PhoneNumberField, PhoneNumberWidget, phone_region_choices
from contacts.models import Contact
from tests.browser import sign_in
from tests.helpers import (
    admin_of,
    complete_contacts,
    html_element,
    html_elements,
    make_partner,
    posted_values,
    signed_in,
)

EDIT = reverse("contacts:edit")
ONBOARDING = reverse("contacts:onboarding")
ALL = len(phone_region_choices("en"))  # 245
SPAIN = "+34612345678"


@pytest.fixture
def client(admin_user):
    return signed_in(admin_user)


def region_select(page, name):
    """(values of the options, the selected one) of the select `name` of a rendered page."""
    select = html_element(page, "select", name=name)
    values = [dict(option.attributes)["value"] for option in select.children]
    chosen = [dict(o.attributes)["value"] for o in select.children if "selected" in dict(o.attributes)]
    assert len(chosen) == 1, chosen
    return values, chosen[0]


def posted_back(response):
    """What a browser without JavaScript posts from a page left as it is (posted_values reads no select)."""
    data = posted_values(response)
    page = response.content.decode()
    for select in html_elements(page, "select"):
        name = dict(select.attributes).get("name", "")
        if name and "__prefix__" not in name and "disabled" not in dict(select.attributes):
            data[name] = region_select(page, name)[1]
    return data


def render_phone(value, name="operator-0-phone", region="US"):
    """The HTML of a phone widget showing `value` (stored, or posted as [region, number])."""
    field = PhoneNumberField(region=region, required=False)
    return PhoneNumberWidget(region=region).render(name, field.prepare_value(value), {"id": f"id_{name}"})


def select_of(html):
    return re.search(r"<select.*?</select>", html, re.S).group()


# --- Each row's select, by what its phone holds ----------------------------------------------------


def test_a_stored_number_gets_its_own_country_alone():
    stored = PhoneNumberField(region="US").clean(["US", SPAIN])
    select = select_of(render_phone(stored))
    assert select.count("<option") == 1
    assert '<option value="ES" selected>Spain +34</option>' in select
    assert len(select.encode()) < 300  # rather than some 10 kB


@pytest.mark.parametrize(
    ("posted", "shown"),
    [
        (["US", "+34 612 34 56 78"], "ES"),  # typed with its country code: the number names its country
        (["ES", "+44 20 7946 0018"], "GB"),  # ... whatever country was chosen beside it
    ],
)
def test_a_posted_number_with_its_country_code_gets_its_own_country_alone(posted, shown):
    select = select_of(render_phone(posted))
    assert select.count("<option") == 1
    assert f'<option value="{shown}" selected>' in select


@pytest.mark.parametrize(
    ("posted", "chosen"),
    [
        (["ES", "12"], "ES"),  # an error to fix, maybe by choosing another country
        (["ES", "612 34 56 78"], "ES"),  # typed in the country's own format: the country is the select's
        (["US", "+34 1"], "US"),  # a + that names no valid number
        (["ES", "+34 " + "6" * 40], "ES"),  # too long: refused, whatever it would name
    ],
)
def test_a_phone_whose_number_names_no_country_keeps_every_country(posted, chosen):
    select = select_of(render_phone(posted))
    assert select.count("<option") == ALL
    assert select.count(" selected") == 1
    assert f'<option value="{chosen}" selected>' in select


@pytest.mark.parametrize(("posted", "chosen"), [(["ES", ""], "ES"), (["US", "  "], "US"), ("", "US"), (None, "US")])
def test_no_number_yet_starts_in_one_country_alone(posted, chosen):
    # The script gives every country when the select is used; without it, + and the code name another.
    assert select_of(render_phone(posted)).count("<option") == 1
    assert f'<option value="{chosen}" selected>' in select_of(render_phone(posted))


def test_an_invalid_stored_number_keeps_every_country():
    stored = to_python("+1 202 555 01")  # kept from before numbers were checked
    assert isinstance(stored, PhoneNumber) and not stored.is_valid()
    assert select_of(render_phone(stored)).count("<option") == ALL


def test_the_rows_of_a_page_by_what_they_hold(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user], per_category=2)
    Contact.objects.filter(category="operator").update(phone=SPAIN)
    page = client.get(EDIT).content.decode()
    assert region_select(page, "operator-0-phone_region") == (["ES"], "ES")
    assert region_select(page, "operator-1-phone_region") == (["ES"], "ES")
    # No phone stored: the partner's country alone (the script gives every country; without it, + and the code
    # name another, and a national number of another country brings every country back with its error).
    assert region_select(page, "technical_emergency-0-phone_region") == (["US"], "US")
    assert region_select(page, "operator-__prefix__-phone_region") == (["US"], "US")  # "Add another" clones it


def test_a_page_of_stored_numbers_carries_the_countries_once(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user], per_category=10)
    Contact.objects.update(phone=SPAIN)
    page = client.get(EDIT).content.decode()
    selects = re.findall(r'<select[^>]*class="phone-region".*?</select>', page, re.S)
    assert len(selects) == 4 * 10 + 1 + 4  # ten per category, the shared contact, a template row per category
    assert all(select.count("<option") == 1 for select in selects)
    assert sum(len(select.encode()) for select in selects) < 45 * 300  # some 11 kB rather than 450 kB
    assert page.count('<option value="ES">Spain +34</option>') == 1  # in the one list of every country
    assert page.count("Zimbabwe +263") == 1


# --- The list, once per page ----------------------------------------------------------------------


def phone_region_template():
    return Template("{% load phone_regions %}{% phone_region_template %}").render(Context())


def test_the_template_holds_every_country_none_chosen():
    html = phone_region_template()
    assert html.startswith('<template id="phone-regions" data-phone-regions><option value="AF">')
    assert html.endswith("</template>")
    assert html.count("<option") == ALL
    assert " selected" not in html
    assert '<option value="ES">Spain +34</option>' in html


def test_the_template_names_the_countries_in_the_page_language():
    with translation.override("es"):
        html = phone_region_template()
    assert '<option value="ES">España +34</option>' in html
    assert '<option value="US">Estados Unidos +1</option>' in html
    assert "Spain" not in html
    assert phone_region_template() != html  # English again


def test_the_template_is_built_once_per_language():
    from contacts.templatetags import phone_regions

    english = phone_regions.phone_region_template()
    with translation.override("es"):
        spanish = phone_regions.phone_region_template()
        assert phone_regions.phone_region_template() is spanish
    assert phone_regions.phone_region_template() is english
    assert spanish != english


def test_the_page_carries_the_template_once_and_a_viewer_none(client, partner, viewer):
    page = client.get(ONBOARDING).content.decode()
    assert page.count('<template id="phone-regions" data-phone-regions>') == 1
    viewer_page = signed_in(viewer).get(ONBOARDING).content.decode()
    assert "phone-regions" not in viewer_page  # a read-only form: no country is chosen there


def test_a_spanish_page_carries_spanish_names(partner, admin_user):
    client = signed_in(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(ONBOARDING).content.decode()
    template = re.search(r'<template id="phone-regions".*?</template>', page, re.S).group()
    assert '<option value="ES">España +34</option>' in template


# --- The server reads any country, and draws the same page every time -----------------------------


def test_without_javascript_a_stored_number_moves_country_when_typed_with_its_code(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    Contact.objects.filter(category="operator").update(phone=SPAIN)
    page = client.get(EDIT).content.decode()
    assert region_select(page, "operator-0-phone_region") == (["ES"], "ES")  # no other country to choose
    data = posted_back(client.get(EDIT))
    assert data["operator-0-phone_region"] == "ES"
    response = client.post(EDIT, {**data, "operator-0-phone": "+44 20 7946 0018"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contact.objects.get(category="operator").phone.as_e164 == "+442079460018"
    page = client.get(EDIT).content.decode()
    assert region_select(page, "operator-0-phone_region") == (["GB"], "GB")


def test_a_wrong_number_brings_every_country_back(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    Contact.objects.filter(category="operator").update(phone=SPAIN)
    data = posted_back(client.get(EDIT))
    response = client.post(EDIT, {**data, "operator-0-phone": "20 7946 0018"})
    assert response.status_code == 200
    values, chosen = region_select(response.content.decode(), "operator-0-phone_region")
    assert (len(values), chosen) == (ALL, "ES")  # choose the United Kingdom, or type +44


# Sorted: every xdist worker must collect the same tests in the same order.
@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_every_country_is_read_whatever_the_page_offered(region):
    example = phonenumbers.example_number(region)
    if example is None:
        pytest.skip(f"no example number for {region}")
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    assert PhoneNumberField(region="US").clean([region, national]).as_e164 == phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.E164
    )


def test_the_same_form_is_drawn_the_same_whether_cached_or_not(client, partner, admin_user):
    from django.core.cache import cache

    complete_contacts(partner, alerts=[admin_user], per_category=3)
    Contact.objects.filter(category__in=["operator", "shared"]).update(phone=SPAIN)
    Contact.objects.filter(category="technical_emergency").update(phone="+12025550143")

    def form_html():
        page = client.get(EDIT).content.decode()
        form = re.search(r"<form[^>]*data-contact-form.*?</form>", page, re.S).group()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", form)

    cache.clear()
    uncached = form_html()
    assert form_html() == uncached  # drawn from the cache
    cache.clear()
    assert form_html() == uncached


# --- In a browser: the full list arrives before the keyboard browses it ---------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_stored_number_s_country_changes_with_the_keyboard(live_server, page, page_errors):
    partner = make_partner("Acme Bookings")  # phone region: United States
    complete_contacts(partner, alerts=[admin_of(partner)])
    Contact.objects.update(phone=SPAIN)  # every row names its country: no full select on the page
    sign_in(page.context, live_server, admin_of(partner))
    page.goto(f"{live_server.url}{EDIT}")
    region = page.locator("#id_operator-0-phone_region")
    expect(region.locator("option")).to_have_count(1)  # as sent

    page.locator("#id_operator-0-name").focus()
    page.keyboard.press("Tab")  # to the country, by keyboard alone
    expect(region).to_be_focused()
    expect(region.locator("option")).to_have_count(ALL)
    expect(region).to_have_value("ES")  # still its own country
    page.keyboard.press("ArrowDown")  # the next country of the list
    expect(region).not_to_have_value("ES")
    page.keyboard.type("United Kingdom")  # type-ahead
    expect(region).to_have_value("GB")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("020 7946 0018")  # a number of the country chosen

    # "Add another" clones its row from a <template>: its country is chosen by keyboard too.
    page.locator("#category-operator [data-add-row]").click()
    expect(page.locator("#id_operator-1-email")).to_be_focused()
    page.keyboard.type("ops@acme.example")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    added = page.locator("#id_operator-1-phone_region")
    expect(added).to_be_focused()
    expect(added.locator("option")).to_have_count(ALL)
    page.keyboard.type("France")
    expect(added).to_have_value("FR")
    page.keyboard.press("Tab")
    page.keyboard.type("01 23 45 67 89")

    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.locator(".error-summary")).to_have_count(0)
    page.wait_for_load_state()
    phones = dict(Contact.objects.filter(category="operator").values_list("email", "phone"))
    assert {email: phone.as_e164 for email, phone in phones.items()} == {
        "operator0@acme.example": "+442079460018",
        "ops@acme.example": "+33123456789",
    }
