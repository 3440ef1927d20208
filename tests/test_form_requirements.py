"""The contact information form up front: one section on its own (`only`), requirements and progress, address reuse."""

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test.html import Element
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from contacts.categories import MAX_CONTACTS_PER_CATEGORY
from contacts.completeness import OPTIONAL, REQUIRED, REQUIRED_IN_PRODUCTION, category_requirement
from contacts.forms import ContactInformationForm
from contacts.forms.formsets import with_copied_rows
from contacts.models import Contact
from contacts.services import contact_information_for, contact_information_save, contact_status_refresh
from partners.environments import Environment
from partners.models import Role
from tests.helpers import (
    complete_contacts,
    contact_form_data,
    contact_rows,
    html_element,
    html_elements,
    make_member,
    make_partner,
    posted_values,
    signed_in,
)

SANDBOX, PRODUCTION = Environment.SANDBOX, Environment.PRODUCTION


def section_form(partner, only, data=None, environment=SANDBOX, **kwargs):
    info = contact_information_for(partner)
    return ContactInformationForm(data, info=info, environment=environment, only=only, **kwargs)


def emergency_post(*emails, version=0):
    return {"general-version": str(version), **contact_rows("technical_emergency", list(emails))}


# --- `only`: one section of the form on its own ------------------------------------------------------


def test_only_holds_that_section_alone(complete_partner):
    form = section_form(complete_partner, "technical_emergency")
    assert [s.category.code for s in form.sections] == ["technical_emergency"]
    assert form.only == "technical_emergency"


def test_only_refuses_a_category_the_partner_does_not_have(db):
    appointments = make_partner(integration="appointments")  # no merchant-issues contact there
    with pytest.raises(ValueError):
        section_form(appointments, "merchant_issues")
    with pytest.raises(ValueError):
        section_form(appointments, "no_such_category")


def test_saving_one_section_of_a_complete_account_passes_and_writes_that_section_alone(complete_partner, admin_user):
    info = contact_information_for(complete_partner)
    before = info.as_dict()
    form = section_form(complete_partner, "technical_emergency", emergency_post("pager@acme.example"))
    assert form.is_valid(), form.error_summary()
    contact_information_save(form=form, actor=admin_user)
    after = contact_information_for(complete_partner).as_dict()
    assert list(info.contacts.filter(category="technical_emergency").values_list("email", flat=True)) == [
        "pager@acme.example"
    ]
    assert {k: v for k, v in after.items() if k != "technical_emergency"} == {
        k: v for k, v in before.items() if k != "technical_emergency"
    }
    complete_partner.refresh_from_db()
    assert complete_partner.contacts_complete(SANDBOX) and complete_partner.contacts_complete(PRODUCTION)


def test_another_categorys_missing_requirement_does_not_block_a_section(partner, admin_user):
    # Nothing stored at all: the emergency section alone still saves, and reports nothing of the others.
    form = section_form(partner, "technical_emergency", emergency_post("pager@acme.example"))
    assert form.is_valid(), form.error_summary()
    assert form.missing == []
    contact_information_save(form=form, actor=admin_user)
    partner.refresh_from_db()
    assert "technical_emergency_required" not in partner.missing_sandbox
    assert "operator_required" in partner.missing_sandbox


def test_a_section_reports_its_own_missing_requirement(complete_partner):
    form = section_form(complete_partner, "technical_emergency", emergency_post())
    assert not form.is_valid()
    assert [r.code for r in form.missing] == ["technical_emergency_required"]
    assert form.error_summary() == [
        ("#category-technical_emergency", "Technical emergency contacts: Add at least one technical emergency contact.")
    ]


def test_removing_the_only_row_of_a_required_category_is_the_normal_error(complete_partner):
    data = emergency_post("technical_emergency0@acme.example")
    data["technical_emergency-0-DELETE"] = "on"
    form = section_form(complete_partner, "technical_emergency", data)
    assert not form.is_valid()
    assert [r.code for r in form.missing] == ["technical_emergency_required"]


def test_the_section_is_judged_with_the_stored_counts_of_the_others(partner, admin_user):
    # Only the emergency contact is missing: saving that section completes the account.
    info = contact_information_for(partner)
    for category in ("technical_non_emergency", "merchant_issues", "operator", "shared"):
        Contact.objects.create(contact_information=info, category=category, email=f"{category}@acme.example")
    info.support_24_7 = True
    info.save()
    contact_status_refresh(partner=partner, info=info)
    assert partner.missing_sandbox == ["technical_emergency_required"]
    form = section_form(partner, "technical_emergency", emergency_post("pager@acme.example"))
    assert form.is_valid(), form.error_summary()
    contact_information_save(form=form, actor=admin_user)
    partner.refresh_from_db()
    assert partner.contacts_complete(SANDBOX)


def test_support_hours_alone(complete_partner, admin_user):
    data = {"general-version": "0", "general-support_24_7": "on", **contact_rows("support_hours", [])}
    form = section_form(complete_partner, "support_hours", data)
    assert form.is_valid(), form.error_summary()
    contact_information_save(form=form, actor=admin_user)
    info = contact_information_for(complete_partner)
    info.refresh_from_db()
    assert info.support_24_7 and not info.support_windows.exists()
    assert info.contacts.count() == 5  # no other category touched


def test_alert_contacts_alone_in_production(complete_partner, admin_user, editor):
    data = {"general-version": "0", "general-alert_contacts": [str(editor.pk)]}
    form = section_form(complete_partner, "alert", data, environment=PRODUCTION)
    assert form.is_valid(), form.error_summary()
    contact_information_save(form=form, actor=admin_user)
    assert list(contact_information_for(complete_partner).alert_contacts.all()) == [editor]
    empty = section_form(complete_partner, "alert", {"general-version": "1"}, environment=PRODUCTION)
    assert not empty.is_valid()
    assert [r.code for r in empty.missing] == ["alert_contacts_required"]


def test_redisplay_keeps_the_section_and_what_was_typed(complete_partner):
    form = section_form(
        complete_partner, "operator", {"general-version": "0", **contact_rows("operator", ["typed@x.example"])}
    )
    shown = form.redisplay()
    assert shown.only == "operator" and [s.category.code for s in shown.sections] == ["operator"]
    assert shown.sections[0].formset.forms[0]["email"].value() == "typed@x.example"
    assert not shown.shows_stored and not shown.is_bound
    rebased = form.redisplay(rebase_on=contact_information_for(complete_partner))
    assert rebased.only == "operator"


# --- Rendering helpers -------------------------------------------------------------------------------


def render(form, **context):
    """The form as the modal and Settings draw it."""
    return render_to_string(
        "contacts/_contact_form.html", {"form": form, "show_errors": form.is_bound, "submit_label": "Save", **context}
    )


def marker_texts(html):
    found = {}
    for fieldset in html_elements(html, "fieldset", class_="category"):
        code = dict(fieldset.attributes)["id"].removeprefix("category-")
        legend = html_elements(str(fieldset), "legend", class_="category-title")[0]
        markers = [
            child
            for child in legend.children
            if isinstance(child, Element) and dict(child.attributes).get("class", "").startswith("requirement ")
        ]
        found[code] = [" ".join(str(child) for child in marker.children).strip() for marker in markers]
    return found


# --- 1. Requirements visible up front -----------------------------------------------------------------


def test_each_category_says_whether_it_is_required(partner):
    markers = marker_texts(render(section_form(partner, None)))
    assert markers == {
        "alert": ["Required in Production"],
        "technical_emergency": ["Required"],
        "technical_non_emergency": ["Required"],
        "merchant_issues": ["Required"],
        "operator": ["Required"],
        "shared": ["Required"],
        "support_hours": ["Required"],
    }


def test_the_markers_follow_the_completeness_rules_not_the_templates(db):
    reservations = make_partner(integration="reservations").integration_kind
    appointments = make_partner(integration="appointments").integration_kind
    assert category_requirement("merchant_issues", integration=reservations) == REQUIRED
    assert category_requirement("merchant_issues", integration=appointments) == OPTIONAL
    assert category_requirement("alert", integration=appointments) == REQUIRED_IN_PRODUCTION
    assert category_requirement("shared", integration=appointments) == REQUIRED


def test_optional_fields_say_so_and_required_ones_do_not(partner):
    form = section_form(partner, None)
    rows = {s.category.code: s for s in form.sections}
    contact = rows["technical_emergency"].formset.forms[0]
    shared = rows["shared"].form
    for field in (contact["name"], contact["phone"], contact["language"], shared["name"], shared["url"]):
        assert "optional" in f"{field.label} {field.help_text}".lower(), field.name
    for field in (contact["email"], shared["email"]):
        assert "optional" not in f"{field.label} {field.help_text}".lower(), field.name


def test_the_support_page_has_an_example_and_no_placeholder(partner):
    html = render(section_form(partner, None))
    url = html_element(html, "input", name="shared-url")
    assert "placeholder" not in dict(url.attributes)
    assert "For example https://example.com/support" in html


@pytest.mark.parametrize(
    ("environment", "alerts", "expected"),
    [(SANDBOX, False, (6, 6)), (PRODUCTION, True, (7, 7)), (PRODUCTION, False, (6, 7))],
)
def test_progress_counts_complete_categories_of_this_environment(partner, admin_user, environment, alerts, expected):
    complete_contacts(partner, alerts=[admin_user] if alerts else ())
    form = section_form(partner, None, environment=environment)
    assert form.progress == expected
    html = render(form)
    progress = html_element(html, "progress", id="contact-progress")
    done, needed = expected
    assert dict(progress.attributes)["value"] == str(done) and dict(progress.attributes)["max"] == str(needed)
    assertInHTML(f'<label for="contact-progress">{done} of {needed} complete</label>', html)


def test_progress_of_a_new_account_counts_the_alert_contacts_only_in_production(partner):
    # Found walking the modal: "1 of 7" before anything was typed read as progress made.
    assert section_form(partner, None).progress == (0, 6)  # alert contacts are not needed in Sandbox
    assert section_form(partner, None, environment=PRODUCTION).progress == (0, 7)
    appointments = make_partner(integration="appointments")
    assert section_form(appointments, None).progress == (0, 5)  # no merchant-issues contact there


def test_no_progress_line_on_a_single_section(partner):
    assert "contact-progress" not in render(section_form(partner, "operator"))


def remove_toggles(html, prefix):
    return [
        toggle
        for toggle in html_elements(html, "input", data_remove="")
        if dict(toggle.attributes)["name"].startswith(f"{prefix}-")
        and "__prefix__" not in dict(toggle.attributes)["name"]
    ]


def test_a_required_categorys_only_row_offers_no_remove(complete_partner):
    html = render(section_form(complete_partner, None))
    for prefix in ("technical_emergency", "operator", "support_hours"):
        assert remove_toggles(html, prefix) == [], prefix
    assert html_elements(html, "input", name="operator-__prefix__-DELETE", data_remove="")
    # A row added later (from the template) can be removed.
    assert 'name="operator-__prefix__-DELETE"' in html


def test_with_two_rows_each_can_be_removed(complete_partner):
    info = contact_information_for(complete_partner)
    Contact.objects.create(contact_information=info, category="operator", email="second@acme.example")
    html = render(section_form(complete_partner, None))
    assert len(remove_toggles(html, "operator")) == 2
    assert remove_toggles(html, "technical_emergency") == []


def test_the_folded_categories_are_described_not_ordered(complete_partner):
    html = render(section_form(complete_partner, None, environment=PRODUCTION), collapse_complete=True)
    assertInHTML("<summary>Already complete or not needed here (7 categories)</summary>", html)
    assert "Complete, or not needed" not in html


# --- 2. The error summary names rows as the page does ------------------------------------------------


def test_the_summary_names_a_row_as_its_legend_reads(partner):
    data = contact_form_data(technical_emergency=["oncall@acme.example", "not an address"])
    form = ContactInformationForm(data, info=contact_information_for(partner), environment=SANDBOX)
    assert not form.is_valid()
    html = render(form)
    assert "Contact 2" in str(html_element(html, "fieldset", id="row-technical_emergency-1"))
    assert form.error_summary() == [
        (
            "#id_technical_emergency-1-email",
            "Technical emergency contacts, contact 2, Email: Enter a valid email address, like ops@example.com.",
        )
    ]
    assert 'class="error-summary-list"' in html


def test_the_summary_names_a_window_as_its_legend_reads(partner):
    windows = [{"days": [0], "start": "17:00", "end": "09:00", "time_zone": "UTC"}]
    form = ContactInformationForm(
        contact_form_data(windows=windows), info=contact_information_for(partner), environment=SANDBOX
    )
    assert not form.is_valid()
    assert [text for _href, text in form.error_summary()] == [
        "Operational support hours, window 1, End: End must be after start. "
        "If support runs past midnight, tick “Ends the next day”."
    ]


# --- 3. Enter an address once -------------------------------------------------------------------------


def datalist_values(html, list_id):
    return [
        dict(option.attributes)["value"]
        for option in html_elements(str(html_element(html, "datalist", id=list_id)), "option")
    ]


def test_every_email_and_name_input_offers_the_addresses_and_names_on_the_form(complete_partner):
    info = contact_information_for(complete_partner)
    Contact.objects.filter(category="operator").update(name="Ops Team")
    html = render(section_form(complete_partner, None))
    emails = datalist_values(html, "contact-emails")
    assert "technical_emergency0@acme.example" in emails and "shared0@acme.example" in emails
    assert len(emails) == len(set(emails)) == info.contacts.count()
    assert datalist_values(html, "contact-names") == ["Ops Team"]
    option = next(
        o for o in html_elements(html, "option") if dict(o.attributes).get("value") == "operator0@acme.example"
    )
    assert dict(option.attributes)["label"] == "Ops Team"
    for email in html_elements(html, "input", type="email"):
        assert dict(email.attributes)["list"] == "contact-emails"


def test_a_single_section_still_offers_every_stored_address(complete_partner):
    html = render(section_form(complete_partner, "operator"))
    assert "technical_emergency0@acme.example" in datalist_values(html, "contact-emails")


def test_typed_addresses_join_the_list_but_never_the_cache(complete_partner, admin_user):
    client = signed_in(admin_user)
    url = reverse("contacts:edit")
    data = posted_values(client.get(url))  # draws the page, and caches its sections
    data["technical_emergency-0-email"] = "typed-meanwhile@acme.example"
    body = client.post(url, {**data, "add_row": "operator"}).content.decode()
    assert "typed-meanwhile@acme.example" in datalist_values(body, "contact-emails")
    # A colleague's page, drawn from the cached sections, holds none of it.
    other = signed_in(make_member(complete_partner, Role.ADMIN))
    assert "typed-meanwhile@acme.example" not in other.get(url).content.decode()


def test_same_as_is_offered_where_it_fits(complete_partner):
    html = render(section_form(complete_partner, None))
    buttons = html_elements(html, "button", name="copy_rows")
    assert sorted(dict(b.attributes)["value"] for b in buttons) == [
        "merchant_issues:technical_emergency",
        "operator:technical_emergency",
        "shared:technical_emergency",
        "technical_non_emergency:technical_emergency",
    ]
    for button in buttons:
        assert "formnovalidate" in dict(button.attributes)
        assert "Same as technical emergency contacts" in str(button)


def test_same_as_needs_the_source_on_the_form_and_an_editor(complete_partner):
    assert "copy_rows" not in render(section_form(complete_partner, "operator"))
    assert "copy_rows" not in render(section_form(complete_partner, None, read_only=True))


def post_of(data):
    posted = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            posted.setlist(key, value)
        else:
            posted[key] = value
    return posted


EMERGENCY = [
    {"email": "pager@acme.example", "name": "Pager", "phone": "+34 911 23 45 67", "language": "es"},
    {"email": "removed@acme.example", "DELETE": "on"},
    {"email": ""},
    {"email": "oncall@acme.example"},
]


def test_copied_rows_fill_the_blank_row_of_the_target(partner):
    data = post_of(contact_form_data(technical_emergency=EMERGENCY, operator=[""]))
    copied = with_copied_rows(data, "technical_non_emergency", "technical_emergency")
    assert copied is not data and data["technical_non_emergency-0-email"] == "dev@acme.example"  # not modified
    # dev@ stays first, the two kept emergency rows follow; the removed and the blank one are not copied.
    assert copied["technical_non_emergency-TOTAL_FORMS"] == "3"
    assert [copied[f"technical_non_emergency-{i}-email"] for i in range(3)] == [
        "dev@acme.example",
        "pager@acme.example",
        "oncall@acme.example",
    ]
    assert copied["technical_non_emergency-1-name"] == "Pager"
    assert copied["technical_non_emergency-1-phone"] == "+34 911 23 45 67"
    assert copied["technical_non_emergency-1-language"] == "es"
    untouched = {k: v for k, v in data.lists() if not k.startswith("technical_non_emergency-")}
    assert untouched == {k: v for k, v in copied.lists() if not k.startswith("technical_non_emergency-")}

    operator = with_copied_rows(data, "operator", "technical_emergency")
    assert operator["operator-TOTAL_FORMS"] == "2"  # the blank row was filled, not kept
    assert [operator["operator-0-email"], operator["operator-1-email"]] == ["pager@acme.example", "oncall@acme.example"]


def test_a_row_with_only_a_phone_country_counts_as_blank(partner):
    data = post_of(contact_form_data(technical_emergency=EMERGENCY, operator=[{"email": "", "phone_region": "ES"}]))
    copied = with_copied_rows(data, "operator", "technical_emergency")
    assert copied["operator-TOTAL_FORMS"] == "2"
    assert copied["operator-0-email"] == "pager@acme.example" and "operator-0-phone_region" not in copied


def test_copied_rows_skip_addresses_the_target_holds_and_keep_its_removal_marks(partner):
    target = [{"email": "ONCALL@acme.example"}, {"email": "old@acme.example", "DELETE": "on"}]
    data = post_of(contact_form_data(technical_emergency=EMERGENCY, merchant_issues=target))
    copied = with_copied_rows(data, "merchant_issues", "technical_emergency")
    assert copied["merchant_issues-TOTAL_FORMS"] == "3"
    assert [copied[f"merchant_issues-{i}-email"] for i in range(3)] == [
        "ONCALL@acme.example",
        "old@acme.example",
        "pager@acme.example",
    ]
    assert copied["merchant_issues-1-DELETE"] == "on" and "merchant_issues-2-DELETE" not in copied


def test_copied_rows_stay_within_the_limit(partner):
    full = [f"c{i}@acme.example" for i in range(MAX_CONTACTS_PER_CATEGORY)]
    data = post_of(contact_form_data(technical_emergency=EMERGENCY, operator=full))
    assert with_copied_rows(data, "operator", "technical_emergency")["operator-TOTAL_FORMS"] == "10"


def test_the_shared_contact_takes_the_first_row_and_keeps_its_support_page(partner):
    shared = {"email": "typed@acme.example", "name": "Typed", "url": "https://acme.example/help"}
    data = post_of(contact_form_data(technical_emergency=EMERGENCY[1:] + EMERGENCY[:1], shared=shared))
    copied = with_copied_rows(data, "shared", "technical_emergency")
    assert copied["shared-email"] == "oncall@acme.example"
    assert copied.get("shared-name", "") == "" and copied.get("shared-phone", "") == ""
    assert copied["shared-url"] == "https://acme.example/help"


@pytest.mark.parametrize(
    ("target", "source"),
    [("technical_emergency", "operator"), ("alert", "technical_emergency"), ("operator", "shared"), ("x", "y")],
)
def test_other_pairs_copy_nothing(partner, target, source):
    data = post_of(contact_form_data(technical_emergency=EMERGENCY))
    assert dict(with_copied_rows(data, target, source).lists()) == dict(data.lists())


def test_nothing_to_copy_changes_nothing(partner):
    data = post_of(contact_form_data(technical_emergency=[""]))
    assert dict(with_copied_rows(data, "operator", "technical_emergency").lists()) == dict(data.lists())


def test_the_copied_rows_are_shown_unjudged_with_nothing_else_lost(partner):
    data = post_of(contact_form_data(technical_emergency=EMERGENCY, operator=[""], shared={"email": "bad"}))
    posted = with_copied_rows(data, "operator", "technical_emergency")
    form = ContactInformationForm(posted, info=contact_information_for(partner), environment=SANDBOX).redisplay()
    html = render(form)
    assert not html_elements(html, "ul", class_="errorlist")
    assert dict(html_element(html, "input", name="operator-1-email").attributes)["value"] == "oncall@acme.example"
    assert dict(html_element(html, "input", name="shared-email").attributes)["value"] == "bad"


def test_without_javascript_same_as_comes_back_with_the_rows_copied(partner, admin_user):
    client = signed_in(admin_user)
    url = reverse("contacts:onboarding")
    data = posted_values(client.get(url))
    data["technical_emergency-0-email"] = "pager@acme.example"
    body = client.post(url, {**data, "copy_rows": "operator:technical_emergency"}).content.decode()
    assert dict(html_element(body, "input", name="operator-0-email").attributes)["value"] == "pager@acme.example"
    assert "error-summary" not in body  # unjudged
    assert contact_information_for(partner).version == 0  # and nothing saved
