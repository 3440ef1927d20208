"""Every validation rule of the contact information form, through Settings › Contact information."""

import pytest
from django.urls import reverse

from contacts.models import Contact, ContactInformation, SupportWindow
from partners.environments import Environment
from tests.helpers import contact_form_data, signed_in
from tests.validation_cases import CASES, form_overrides

URL = reverse("contacts:onboarding")  # the same form as Settings, reachable while incomplete


@pytest.fixture
def client(admin_user):
    return signed_in(admin_user)


def post(client, **overrides):
    data = contact_form_data(**overrides)
    return client.post(URL, data)


def section(response, code):
    return next(s for s in response.context["form"].sections if s.category.code == code)


def field_errors(response, prefix, index=None, field=None):
    part = section(response, prefix)
    target = part.formset.forms[index] if index is not None else part.form
    return [str(e) for e in target.errors.get(field, [])]


def section_errors(response, code):
    return [str(e) for e in section(response, code).errors]


def nothing_saved(partner):
    info = ContactInformation.objects.get(partner=partner)
    return info.version == 0 and not info.contacts.exists() and not info.support_windows.exists()


def test_a_complete_form_saves_everything(client, partner):
    response = post(
        client,
        technical_emergency=[{"email": " Pager@ACME.Example ", "name": "Pager", "phone": "(202) 555-0143"}],
    )
    assert response.status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    assert info.version == 1
    pager = info.contacts.get(category="technical_emergency")
    assert pager.email == "Pager@acme.example"  # trimmed, domain lower-cased
    assert pager.phone.as_e164 == "+12025550143"
    assert info.contacts.get(category="shared").email == "help@acme.example"
    window = info.support_windows.get()
    assert window.day_list == [0, 1, 2, 3, 4] and str(window.time_zone) == "America/New_York"
    partner.refresh_from_db()
    assert partner.contacts_complete(Environment.SANDBOX)


def test_the_empty_form_names_every_required_category(client, partner):
    response = post(
        client,
        technical_emergency=[],
        technical_non_emergency=[],
        merchant_issues=[],
        operator=[],
        shared={},
        windows=[],
    )
    assert response.status_code == 200
    for code in ["technical_emergency", "technical_non_emergency", "merchant_issues", "operator", "shared"]:
        assert section_errors(response, code), code
    assert section_errors(response, "support_hours") == ["Add at least one support window, or choose 24/7."]
    summary = response.context["form"].error_summary()
    assert len(summary) == 6
    assert "There are 6 problems to fix" in response.content.decode()
    assert nothing_saved(partner)


def errors_at(response, path):
    """(code, message) of each error the form shows at `path`, a place named as in the API's document."""
    category, *rest = path
    part = section(response, category)
    if category == "support_hours" and rest:
        rest = rest[1:]  # ("support_hours", "windows", …): the windows are the section's formset
    if not rest:
        return [(None, str(message)) for message in part.errors]
    if category == "shared":
        return [(e.code, message) for e in part.form.errors.as_data().get(rest[0], []) for message in e.messages]
    form = part.formset.forms[rest[0]]
    field = rest[1] if len(rest) > 1 else "__all__"
    return [(e.code, message) for e in form.errors.as_data().get(field, []) for message in e.messages]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_case_of_the_shared_table_is_refused_where_it_says(client, partner, case):
    """The table the API runs too (tests/test_api_validation.py): the same message, at the same place."""
    response = post(client, **form_overrides(case.overrides))
    assert response.status_code == 200
    errors = errors_at(response, case.path)
    assert any(case.matches(message) for _code, message in errors), errors
    # Section-wide messages are kept as text; a field's keeps its code, the one the API reports.
    assert all(code in (None, case.code) for code, message in errors if case.matches(message))
    assert nothing_saved(partner)


def test_what_was_typed_beside_a_bad_email_is_kept(client, partner):
    response = post(client, technical_non_emergency=[{"email": "not-an-email", "name": "Dev team"}])
    body = response.content.decode()
    assert 'value="Dev team"' in body and 'value="not-an-email"' in body  # nothing typed is lost
    assert 'value="oncall@acme.example"' in body


def test_the_same_email_may_serve_several_categories(client, partner):
    response = post(client, technical_emergency=["team@acme.example"], technical_non_emergency=["team@acme.example"])
    assert response.status_code == 302


def test_an_eleventh_contact_is_refused(client, partner):
    emails = [f"person{i}@acme.example" for i in range(11)]
    response = post(client, technical_emergency=emails)
    assert section_errors(response, "technical_emergency") == ["At most 10 entries are allowed here: remove 1."]
    assert nothing_saved(partner)
    assert post(client, technical_emergency=emails[:10]).status_code == 302


def test_a_bad_phone_is_kept_as_typed(client, partner):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "call me"}])
    assert 'value="call me"' in response.content.decode()


def test_phones_are_read_in_the_partner_region_and_stored_in_e164(client, partner):
    partner.phone_region = "ES"
    partner.save()
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "612 34 56 78"}])
    assert response.status_code == 302
    phone = Contact.objects.get(category="operator").phone
    assert phone.as_e164 == "+34612345678"
    page = client.get(reverse("contacts:edit")).content.decode()
    assert 'value="+34 612 34 56 78"' in page  # shown in international format


def test_a_us_number_is_invalid_for_a_spanish_partner_without_its_country_code(client, partner):
    partner.phone_region = "ES"
    partner.save()
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "(202) 555-0143"}])
    assert field_errors(response, "operator", 0, "phone")
    assert post(client, operator=[{"email": "ops@acme.example", "phone": "+1 202 555 0143"}]).status_code == 302


def test_time_zones_are_matched_case_insensitively(client, partner):
    window = {"days": [0], "start": "09:00", "end": "17:00", "time_zone": " europe/madrid "}
    assert post(client, windows=[window]).status_code == 302
    assert str(SupportWindow.objects.get().time_zone) == "Europe/Madrid"


def test_a_window_must_end_after_it_starts(client, partner):
    window = {"days": [0], "start": "17:00", "end": "09:00", "time_zone": "Europe/Madrid"}
    response = post(client, windows=[window])
    assert "End must be after start" in field_errors(response, "support_hours", 0, "end")[0]
    equal = {**window, "end": "17:00"}
    assert field_errors(post(client, windows=[equal]), "support_hours", 0, "end")


def test_an_overnight_window_may_end_the_next_day(client, partner):
    window = {"days": [4], "start": "22:00", "end": "02:00", "overnight": "on", "time_zone": "Europe/Madrid"}
    assert post(client, windows=[window]).status_code == 302
    assert SupportWindow.objects.get().overnight


def test_overnight_is_refused_when_the_window_ends_the_same_day(client, partner):
    window = {"days": [4], "start": "09:00", "end": "17:00", "overnight": "on", "time_zone": "Europe/Madrid"}
    assert field_errors(post(client, windows=[window]), "support_hours", 0, "overnight")


def test_an_overnight_window_overlaps_the_next_morning(client, partner):
    windows = [
        {"days": [6], "start": "22:00", "end": "06:00", "overnight": "on", "time_zone": "UTC"},
        {"days": [0], "start": "05:00", "end": "09:00", "time_zone": "UTC"},  # Sunday night runs into Monday
    ]
    assert post(client, windows=windows).status_code == 200
    assert nothing_saved(partner)


def test_adjacent_windows_and_windows_in_other_time_zones_are_fine(client, partner):
    windows = [
        {"days": [0], "start": "09:00", "end": "13:00", "time_zone": "Europe/Madrid"},
        {"days": [0], "start": "13:00", "end": "17:00", "time_zone": "Europe/Madrid"},
        {"days": [0], "start": "09:00", "end": "17:00", "time_zone": "America/New_York"},
    ]
    assert post(client, windows=windows).status_code == 302
    assert SupportWindow.objects.count() == 3


def test_twenty_four_seven_replaces_windows(client, partner):
    assert post(client, support_24_7=True).status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    assert info.support_24_7 and not info.support_windows.exists()


def test_twenty_four_seven_wins_over_windows_typed_meanwhile(client, partner):
    # Issue 11: 24/7 replaces the windows; they are not judged (this one is invalid) and none is stored.
    window = {"days": [0], "start": "17:00", "end": "09:00", "time_zone": "Nowhere/Special"}
    assert post(client, support_24_7=True, windows=[window]).status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    assert info.support_24_7 and not info.support_windows.exists()


def test_shared_contact_needs_an_email_when_anything_else_is_given(client, partner):
    response = post(client, shared={"name": "Support", "url": "https://acme.example/help"})
    assert field_errors(response, "shared", field="email") == ["Enter an email address for this contact."]
    assert section_errors(response, "shared") == []  # one message, beside the field


def test_alert_contacts_are_ignored_in_sandbox(client, partner, admin_user):
    response = post(client, alerts=[admin_user.pk])
    assert response.status_code == 302
    assert not ContactInformation.objects.get(partner=partner).alert_contacts.exists()


def test_alert_contacts_are_required_and_saved_in_production(partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    response = post(client)
    assert section_errors(response, "alert") == ["Choose at least one alert contact."]
    assert post(client, alerts=[admin_user.pk]).status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    assert list(info.alert_contacts.all()) == [admin_user]
    partner.refresh_from_db()
    assert partner.contacts_complete(Environment.PRODUCTION)


def test_alert_contacts_must_be_members_of_the_partner(partner, admin_user):
    from tests.helpers import admin_of, make_partner

    stranger = admin_of(make_partner())
    client = signed_in(admin_user, Environment.PRODUCTION)
    response = post(client, alerts=[stranger.pk])
    assert field_errors(response, "alert", field="alert_contacts")
    assert nothing_saved(partner)


def test_a_tampered_management_form_does_not_crash(client, partner):
    data = contact_form_data()
    data["operator-TOTAL_FORMS"] = "1000000"
    response = client.post(URL, data)
    assert response.status_code == 200
    assert nothing_saved(partner)
    data.pop("operator-TOTAL_FORMS")
    assert client.post(URL, data).status_code == 200


def test_one_bad_category_saves_nothing_at_all(client, partner):
    response = post(client, operator=[{"email": "ops@acme.example", "phone": "nope"}])
    assert response.status_code == 200
    assert nothing_saved(partner)


def test_rows_are_edited_and_removed_by_value(client, partner):
    assert post(client, operator=["a@acme.example", "b@acme.example"]).status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    kept_pks = {row.category: row.pk for row in info.contacts.exclude(category="operator")}
    window_pk = info.support_windows.get().pk
    operator = [{"email": "a2@acme.example"}, {"email": "b@acme.example", "DELETE": "on"}]
    response = post(client, version=1, operator=operator)
    assert response.status_code == 302, response.context["form"].error_summary()
    assert list(info.contacts.filter(category="operator").values_list("email", flat=True)) == ["a2@acme.example"]
    # Rows posted unchanged are the same rows: they keep their ids.
    assert {row.category: row.pk for row in info.contacts.exclude(category="operator")} == kept_pks
    assert info.support_windows.get().pk == window_pk

    windows = [{"days": [0, 1], "start": "09:00", "end": "17:00", "time_zone": "America/New_York"}]
    assert post(client, version=2, operator=["a2@acme.example"], windows=windows).status_code == 302
    assert info.support_windows.get().day_list == [0, 1]  # a changed window is a new window
    assert info.support_windows.get().pk != window_pk


def test_a_window_overlapping_one_that_is_not_its_neighbour_is_refused(client, partner):
    windows = [
        {"days": [0], "start": "09:00", "end": "12:00", "time_zone": "Europe/Madrid"},
        {"days": [0], "start": "09:00", "end": "17:00", "time_zone": "America/New_York"},
        {"days": [0], "start": "11:00", "end": "13:00", "time_zone": "Europe/Madrid"},
    ]
    response = post(client, windows=windows)
    assert response.status_code == 200
    errors = [str(e) for e in section(response, "support_hours").formset.forms[2].non_field_errors()]
    assert errors == ["This window overlaps window 1 in Europe/Madrid: change its days or hours."]
    assert nothing_saved(partner)


@pytest.mark.parametrize(
    ("saturday", "clashes"),
    [(("09:00", "17:00"), False), (("01:00", "03:00"), True), (("00:00", "01:00"), True), (("02:00", "09:00"), False)],
)
def test_an_overnight_window_runs_into_the_next_morning_only(client, partner, saturday, clashes):
    friday_night = {"days": [4], "start": "22:00", "end": "02:00", "overnight": "on", "time_zone": "UTC"}
    start, end = saturday
    windows = [friday_night, {"days": [5], "start": start, "end": end, "time_zone": "UTC"}]
    response = post(client, windows=windows)
    assert response.status_code == (200 if clashes else 302)
    assert SupportWindow.objects.count() == (0 if clashes else 2)


@pytest.mark.parametrize("removed_first", [True, False])
def test_a_row_marked_for_removal_is_not_a_duplicate(client, partner, removed_first):
    removed = {"email": "OPS@acme.example", "DELETE": "on"}
    operator = [removed, "ops@acme.example"] if removed_first else ["ops@acme.example", removed]
    response = post(client, operator=operator)
    assert response.status_code == 302
    assert list(Contact.objects.filter(category="operator").values_list("email", flat=True)) == ["ops@acme.example"]


def test_rows_marked_for_removal_do_not_count_toward_the_limit(client, partner):
    emails = [f"person{i}@acme.example" for i in range(10)]
    response = post(client, technical_emergency=[*emails, {"email": "gone@acme.example", "DELETE": "on"}])
    assert response.status_code == 302
    assert Contact.objects.filter(category="technical_emergency").count() == 10
    assert not Contact.objects.filter(email="gone@acme.example").exists()


def test_an_eleventh_support_window_is_refused(client, partner):
    windows = [
        {"days": [day % 7], "start": f"{8 + day // 7:02d}:00", "end": f"{9 + day // 7:02d}:00", "time_zone": "UTC"}
        for day in range(11)
    ]
    response = post(client, windows=windows)
    assert section_errors(response, "support_hours") == ["At most 10 entries are allowed here: remove 1."]
    assert nothing_saved(partner)
    windows[10]["DELETE"] = "on"
    assert post(client, windows=windows).status_code == 302
    assert SupportWindow.objects.count() == 10


def test_removing_the_windows_and_ticking_24_7_saves(client, partner):
    window = {"days": [0], "start": "09:00", "end": "17:00", "time_zone": "UTC"}
    assert post(client, windows=[window]).status_code == 302
    response = post(client, version=1, support_24_7=True, windows=[{**window, "DELETE": "on"}])
    assert response.status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    assert info.support_24_7 and not info.support_windows.exists()
    partner.refresh_from_db()
    assert partner.missing_sandbox == []
