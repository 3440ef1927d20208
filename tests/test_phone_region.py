"""Each phone has a country beside it (the partner's region unless chosen); Admins see and change that region."""

import re

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts.forms.fields import PhoneNumberField, phone_region_choices
from contacts.models import Contact, ContactInformation
from partners.models import Activity
from partners.services import PartnerError, partner_phone_region_set
from tests.helpers import (
    admin_of,
    complete_contacts,
    contact_form_data,
    html_element,
    html_elements,
    make_partner,
    posted_values,
    signed_in,
)

ONBOARDING = reverse("contacts:onboarding")
REGION_PAGE = reverse("contacts:phone_region")


@pytest.fixture
def client(admin_user):
    return signed_in(admin_user)


def post(client, **overrides):
    return client.post(ONBOARDING, contact_form_data(**overrides))


def phone_errors(response, code="operator", index=0):
    section = next(s for s in response.context["form"].sections if s.category.code == code)
    form = section.formset.forms[index] if index is not None else section.form
    return [str(error) for error in form.errors.get("phone", [])]


def selected_region(page, name):
    """The region selected in the country select `name` of a rendered page."""
    select = html_element(page, "select", name=name)
    chosen = [dict(option.attributes)["value"] for option in select.children if "selected" in dict(option.attributes)]
    assert len(chosen) == 1, chosen
    return chosen[0]


# --- The country of each phone --------------------------------------------------------------------


def test_a_spanish_number_without_its_code_is_read_in_the_country_chosen(client, partner):
    assert partner.phone_region == "US"
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "612 34 56 78", "phone_region": "ES"}])
    assert response.status_code == 302
    assert Contact.objects.get(category="operator").phone.as_e164 == "+34612345678"


def test_without_a_country_posted_the_number_is_read_in_the_partner_region(client, partner):
    # An older page, a draft or a script may post the number alone.
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "(202) 555-0143"}])
    assert response.status_code == 302
    assert Contact.objects.get(category="operator").phone.as_e164 == "+12025550143"


def test_a_number_with_its_country_code_wins_over_the_country_chosen(client, partner):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "+1 202 555 0143", "phone_region": "ES"}])
    assert response.status_code == 302
    assert Contact.objects.get(category="operator").phone.as_e164 == "+12025550143"


def test_a_wrong_number_shows_an_example_of_the_country_chosen_and_keeps_what_was_typed(client, partner):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "12", "phone_region": "ES"}])
    assert phone_errors(response) == [
        "Enter a valid phone number for Spain, like 810 12 34 56, or start with + and the country code."
    ]
    page = response.content.decode()
    assert html_element(page, "input", name="operator-0-phone", value="12")
    assert selected_region(page, "operator-0-phone_region") == "ES"
    assert not Contact.objects.exists()


def test_a_wrong_number_in_the_partner_region_shows_an_example_of_it(client, partner):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "12"}])
    assert phone_errors(response) == [
        "Enter a valid phone number for United States, like (201) 555-0123, or start with + and the country code."
    ]


@pytest.mark.parametrize("region", ["XX", "", "es", "<b>", "001"])
def test_an_unknown_country_falls_back_on_the_partner_region(client, partner, region):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "(202) 555-0143", "phone_region": region}])
    assert response.status_code == 302
    assert Contact.objects.get(category="operator").phone.as_e164 == "+12025550143"


def test_a_country_chosen_for_no_number_leaves_a_blank_row_blank(client, partner):
    data = contact_form_data(operator=["ops@acme.example", {"email": "", "phone_region": "FR"}])
    assert client.post(ONBOARDING, data).status_code == 302
    assert Contact.objects.filter(category="operator").count() == 1


def test_an_over_long_number_is_refused(client, partner):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "1" * 41, "phone_region": "ES"}])
    assert phone_errors(response) == ["A phone number can have at most 40 characters (it has 41)."]


def test_every_phone_starts_with_the_partner_region_and_its_label_points_at_the_number(client, partner):
    page = client.get(ONBOARDING).content.decode()
    assert selected_region(page, "operator-0-phone_region") == "US"
    assert selected_region(page, "shared-phone_region") == "US"
    template_row = html_element(page, "select", name="operator-__prefix__-phone_region")  # "Add another" clones it
    assert len(template_row.children) == 1  # its country alone: the script gives it every country when used
    assert selected_region(page, "operator-__prefix__-phone_region") == "US"
    select = html_element(page, "select", name="operator-0-phone_region")
    attributes = dict(select.attributes)
    assert attributes["id"] == "id_operator-0-phone_region"
    assert attributes["aria-label"] == "Country of the phone number"
    assert attributes["aria-describedby"] == "id_operator-0-phone_helptext"
    number = html_element(page, "input", name="operator-0-phone")
    assert dict(number.attributes)["id"] == "id_operator-0-phone"
    assert dict(number.attributes)["type"] == "tel"
    assert html_element(page, "label", **{"for": "id_operator-0-phone"})
    # No number yet: the partner's country alone; the page's list of every country (once) fills it when used.
    assert len(select.children) == 1
    assert page.count('<option value="ES">Spain +34</option>') == 1
    assert html_element(page, "template", id="phone-regions")
    assert len(phone_region_choices("en")) == 245


def test_the_countries_are_named_in_the_page_language(partner, admin_user):
    client = signed_in(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(ONBOARDING).content.decode()
    assert '<option value="ES">España +34</option>' in page
    assert '<option value="US" selected>Estados Unidos +1</option>' in page


def test_stored_numbers_are_shown_with_their_own_country(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    Contact.objects.filter(category="operator").update(phone="+34612345678")
    Contact.objects.filter(category="shared").update(phone="+12025550143")
    page = client.get(reverse("contacts:edit")).content.decode()
    assert selected_region(page, "operator-0-phone_region") == "ES"
    assert html_element(page, "input", name="operator-0-phone", value="+34 612 34 56 78")
    assert selected_region(page, "shared-phone_region") == "US"
    assert selected_region(page, "technical_emergency-0-phone_region") == "US"  # no number: the partner's region


def test_a_page_posted_back_unchanged_saves_the_same_numbers(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    Contact.objects.filter(category="operator").update(phone="+34612345678")
    page = client.get(reverse("contacts:edit")).content.decode()
    data = posted_values(HttpResponse(page))
    # What the browser posts for each country select (the helper reads inputs only).
    for select in html_elements(page, "select", class_="phone-region"):
        name = dict(select.attributes)["name"]
        if "__prefix__" not in name:
            data[name] = selected_region(page, name)
    assert data["operator-0-phone_region"] == "ES" and data["shared-phone_region"] == "US"
    assert client.post(reverse("contacts:edit"), data).status_code == 302
    assert Contact.objects.get(category="operator").phone.as_e164 == "+34612345678"


def test_asking_for_another_row_keeps_the_country_chosen(client, partner):
    data = contact_form_data(operator=[{"email": "ops@acme.example", "phone": "612 34 56 78", "phone_region": "ES"}])
    response = client.post(ONBOARDING, {**data, "add_row": "operator"})
    page = response.content.decode()
    assert selected_region(page, "operator-0-phone_region") == "ES"
    assert html_element(page, "input", name="operator-0-phone", value="612 34 56 78")
    assert selected_region(page, "operator-1-phone_region") == "US"


def test_a_viewer_sees_the_countries_disabled(partner, viewer):
    page = signed_in(viewer).get(ONBOARDING).content.decode()
    select = html_element(page, "select", name="operator-0-phone_region")
    assert "disabled" in dict(select.attributes)


def test_the_field_compares_numbers_not_their_spelling():
    field = PhoneNumberField(region="ES")
    assert not field.has_changed(None, ["FR", ""])
    assert not field.has_changed("", [None, None])
    assert field.has_changed(None, ["ES", "612345678"])
    stored = field.clean(["ES", "612 34 56 78"])
    assert not field.has_changed(stored, ["ES", "+34 612345678"])
    assert field.clean(stored) == stored  # a disabled field cleans what it shows


# --- The partner's phone region: Settings › Contact information › Phone region ---------------------


def test_an_admin_sees_the_region_and_changes_it(client, partner, admin_user):
    page = client.get(REGION_PAGE).content.decode()
    assert "read as numbers of United States" in page
    assert selected_region(page, "region") == "US"
    response = client.post(REGION_PAGE, {"region": "ES"})
    assert response.status_code == 302 and response["Location"] == reverse("contacts:settings")
    partner.refresh_from_db()
    assert partner.phone_region == "ES"
    entry = Activity.objects.get(partner=partner, action=Activity.Action.PHONE_REGION_CHANGED)
    assert (entry.actor, entry.before, entry.after) == (admin_user, {"phone_region": "US"}, {"phone_region": "ES"})


def test_the_region_page_speaks_the_page_language(partner, admin_user):
    client = signed_in(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(REGION_PAGE).content.decode()
    assert '<option value="US" selected>Estados Unidos +1</option>' in page


@pytest.mark.parametrize("region", ["XX", "", "es"])
def test_an_unknown_region_is_refused(client, partner, region):
    response = client.post(REGION_PAGE, {"region": region})
    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    partner.refresh_from_db()
    assert partner.phone_region == "US"
    assert not Activity.objects.filter(action=Activity.Action.PHONE_REGION_CHANGED).exists()


@pytest.mark.parametrize("member", ["editor", "viewer"])
def test_other_members_see_the_region_read_only_and_cannot_change_it(request, partner, member):
    client = signed_in(request.getfixturevalue(member))
    page = client.get(REGION_PAGE).content.decode()
    assert "read as numbers of United States" in page
    assert "Only Admins can change the phone region." in page
    assert "disabled" in dict(html_element(page, "select", name="region").attributes)
    assert "Save phone region" not in page
    assert client.post(REGION_PAGE, {"region": "ES"}).status_code == 403
    partner.refresh_from_db()
    assert partner.phone_region == "US"


def test_the_region_changed_is_the_current_partners_own(partner):
    other = make_partner("Other")
    client = signed_in(admin_of(other))
    assert client.post(REGION_PAGE, {"region": "ES"}).status_code == 302
    partner.refresh_from_db()
    other.refresh_from_db()
    assert (partner.phone_region, other.phone_region) == ("US", "ES")  # no way to name another partner


def test_the_page_is_reachable_while_the_contact_information_is_incomplete(client, partner):
    assert partner.missing_sandbox  # the gate holds every other Settings page
    assert client.get(REGION_PAGE).status_code == 200


def test_setting_the_same_region_records_nothing(partner, admin_user):
    partner_phone_region_set(partner=partner, region="US", actor=admin_user)
    assert not Activity.objects.filter(action=Activity.Action.PHONE_REGION_CHANGED).exists()
    with pytest.raises(PartnerError):
        partner_phone_region_set(partner=partner, region="XX", actor=admin_user)


def test_a_new_region_reaches_the_cached_form_at_once(client, partner, admin_user):
    complete_contacts(partner, alerts=[admin_user])
    edit = reverse("contacts:edit")
    first = client.get(edit).content.decode()
    assert selected_region(first, "operator-__prefix__-phone_region") == "US"
    client.post(REGION_PAGE, {"region": "ES"})
    page = client.get(edit).content.decode()
    assert selected_region(page, "operator-__prefix__-phone_region") == "ES"
    assert selected_region(page, "operator-0-phone_region") == "ES"  # a stored contact with no phone
    assert ContactInformation.objects.get(partner=partner).version == 0  # no contact changed


def test_a_partners_numbers_are_read_in_its_new_region(client, partner):
    client.post(REGION_PAGE, {"region": "ES"})
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "612 34 56 78"}])
    assert response.status_code == 302
    assert Contact.objects.get(category="operator").phone.as_e164 == "+34612345678"
    page = client.get(reverse("contacts:edit")).content.decode()
    assert re.search(r"Phone \(optional\).*Or type it with \+ and the country code", page, re.S)


# --- Odd input ------------------------------------------------------------------------------------


@pytest.fixture
def fuzz_client(db):
    return signed_in(admin_of(make_partner()))


odd = st.one_of(
    st.text(max_size=45),
    st.sampled_from(["", "ES", "es", "US", "001", "XX", "+34 612 34 56 78", "612345678", "\x00", "+", "00", "1" * 41]),
)


# Each example posts the whole form: a quarter of the profile's examples keeps CI's thorough run within minutes.
@hypothesis_settings(max_examples=max(hypothesis_settings.default.max_examples // 4, 25))
@given(phone=odd, region=odd, extra=st.lists(odd, max_size=2))
def test_any_phone_and_country_posted_is_judged_never_a_crash(fuzz_client, phone, region, extra):
    client = fuzz_client
    data = contact_form_data(operator=[{"email": "ops@acme.example", "phone": phone}])
    data["operator-0-phone_region"] = [region, *extra] if extra else region
    with transaction.atomic():
        response = client.post(ONBOARDING, data)
        assert response.status_code in {200, 302}
        stored = list(Contact.objects.filter(category="operator").values_list("phone", flat=True))
        if response.status_code == 302:
            assert len(stored) == 1 and (stored[0] == "" or str(stored[0]).startswith("+"))
        else:
            assert stored == [] and phone_errors(response)
        transaction.set_rollback(True)
