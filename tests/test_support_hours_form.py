"""Support hours on the form: the Mon–Fri and every-day presets, 24/7 replacing the windows, overlaps."""

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse

from contacts.categories import MAX_CONTACTS_PER_CATEGORY
from contacts.forms import ContactInformationForm
from contacts.forms.formsets import with_hours_preset
from contacts.models import ContactInformation, SupportWindow
from contacts.services import contact_information_for, contact_information_save
from partners.environments import Environment
from tests.helpers import contact_form_data, html_element, html_elements, posted_values, signed_in

WEEKDAYS = ["0", "1", "2", "3", "4"]


def post_of(data):
    posted = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            posted.setlist(key, value)
        else:
            posted[key] = value
    return posted


def form_for(partner, data=None, **kwargs):
    return ContactInformationForm(
        data, info=contact_information_for(partner), environment=Environment.SANDBOX, **kwargs
    )


def render(form):
    return render_to_string("contacts/_contact_form.html", {"form": form, "show_errors": form.is_bound})


def window(**values):
    return {"days": [], "start": "", "end": "", "time_zone": "", **values}


# --- Presets without JavaScript: with_hours_preset ----------------------------------------------------


def test_a_preset_fills_the_first_empty_window_keeping_its_time_zone(partner):
    data = post_of(contact_form_data(windows=[window(time_zone="Europe/Madrid")]))
    filled = with_hours_preset(data, "weekdays")
    assert filled is not data and data.getlist("support_hours-0-days") == []  # the post itself is untouched
    assert filled["support_hours-TOTAL_FORMS"] == "1"
    assert filled.getlist("support_hours-0-days") == WEEKDAYS
    assert (filled["support_hours-0-start"], filled["support_hours-0-end"]) == ("09:00", "17:00")
    assert filled["support_hours-0-time_zone"] == "Europe/Madrid"
    untouched = {k: v for k, v in data.lists() if not k.startswith("support_hours-0-")}
    assert untouched == {k: v for k, v in filled.lists() if not k.startswith("support_hours-0-")}


def test_every_day_adds_a_window_after_the_filled_ones_in_their_time_zone(partner):
    typed = window(days=[5], start="10:00", end="14:00", time_zone="America/New_York")
    data = post_of(contact_form_data(windows=[typed]))
    filled = with_hours_preset(data, "every_day")
    assert filled["support_hours-TOTAL_FORMS"] == "2"
    assert filled.getlist("support_hours-1-days") == ["0", "1", "2", "3", "4", "5", "6"]
    assert filled["support_hours-1-time_zone"] == "America/New_York"
    assert filled.getlist("support_hours-0-days") == ["5"] and filled["support_hours-0-start"] == "10:00"


def test_a_preset_skips_a_window_marked_for_removal_and_clears_ends_the_next_day(partner):
    removed = window(DELETE="on")
    empty = window(overnight="on")
    filled = with_hours_preset(post_of(contact_form_data(windows=[removed, empty])), "weekdays")
    assert filled.getlist("support_hours-0-days") == [] and filled["support_hours-0-DELETE"] == "on"
    assert filled.getlist("support_hours-1-days") == WEEKDAYS
    assert "support_hours-1-overnight" not in filled


def test_a_preset_unticks_24_7(partner):
    filled = with_hours_preset(post_of(contact_form_data(support_24_7=True)), "weekdays")
    assert "general-support_24_7" not in filled
    assert filled.getlist("support_hours-0-days") == WEEKDAYS


def test_no_window_is_added_beyond_the_limit(partner):
    full = [window(days=[day % 7], start=f"{day:02d}:00", end=f"{day:02d}:30", time_zone="UTC") for day in range(10)]
    assert len(full) == MAX_CONTACTS_PER_CATEGORY
    data = post_of(contact_form_data(windows=full))
    assert dict(with_hours_preset(data, "every_day").lists()) == dict(data.lists())


@pytest.mark.parametrize("preset", ["", "weekend", "weekdays; drop table"])
def test_an_unknown_preset_changes_nothing(partner, preset):
    data = post_of(contact_form_data(windows=[window()]))
    assert dict(with_hours_preset(data, preset).lists()) == dict(data.lists())


def test_the_filled_preset_is_shown_unjudged_and_saves(partner, admin_user):
    posted = with_hours_preset(post_of(contact_form_data(windows=[window(time_zone="Europe/Madrid")])), "weekdays")
    shown = form_for(partner, posted).redisplay()
    html = render(shown)
    assert not html_elements(html, "ul", class_="errorlist")
    assert "checked" in dict(html_element(html, "input", id="id_support_hours-0-days_4").attributes)
    assert "checked" not in dict(html_element(html, "input", id="id_support_hours-0-days_5").attributes)
    saved = form_for(partner, posted)
    assert saved.is_valid(), saved.error_summary()
    contact_information_save(form=saved, actor=admin_user)
    stored = SupportWindow.objects.get()
    assert stored.day_list == [0, 1, 2, 3, 4] and str(stored.time_zone) == "Europe/Madrid"


def test_the_presets_are_submit_buttons_that_skip_validation(partner):
    html = render(form_for(partner))
    buttons = html_elements(html, "button", name="hours_preset")
    assert [(dict(b.attributes)["value"], "formnovalidate" in dict(b.attributes)) for b in buttons] == [
        ("weekdays", True),
        ("every_day", True),
    ]
    assert "Mon–Fri 09:00–17:00" in str(buttons[0]) and "Every day 09:00–17:00" in str(buttons[1])


def test_no_presets_for_a_viewer(partner):
    assert "hours_preset" not in render(form_for(partner, read_only=True))


# --- 24/7 wins ----------------------------------------------------------------------------------------


def test_saving_with_24_7_clears_the_stored_windows(complete_partner, admin_user):
    info = contact_information_for(complete_partner)
    assert info.support_windows.count() == 1
    stored = [window(days=[0, 1, 2, 3, 4], start="09:00", end="17:00", time_zone="Europe/Madrid")]
    form = form_for(complete_partner, post_of(contact_form_data(support_24_7=True, windows=stored)))
    assert form.is_valid(), form.error_summary()
    contact_information_save(form=form, actor=admin_user)
    info = ContactInformation.objects.get(pk=info.pk)
    assert info.support_24_7 and not info.support_windows.exists()


def test_windows_typed_before_ticking_24_7_are_not_judged_but_kept_on_the_page(partner):
    broken = [window(days=[0], start="17:00", end="09:00", time_zone="Atlantis/Capital")]
    data = post_of(contact_form_data(support_24_7=True, windows=broken, operator=["not an address"]))
    form = form_for(partner, data)
    assert not form.is_valid()  # because of the operator, not the windows
    hours = next(s for s in form.sections if s.category.code == "support_hours")
    assert not hours.has_errors and hours.error_summary() == []
    assert [href for href, _text in form.error_summary()] == ["#id_operator-0-email"]
    html = render(form)
    assert dict(html_element(html, "input", name="support_hours-0-time_zone").attributes)["value"] == "Atlantis/Capital"
    assert "checked" in dict(html_element(html, "input", name="general-support_24_7").attributes)
    # Unticked again, the windows are judged again.
    unticked = form_for(partner, post_of(contact_form_data(windows=broken)))
    assert not unticked.is_valid()
    assert any("support_hours" in href for href, _text in unticked.error_summary())


def test_the_page_says_that_24_7_replaces_the_windows(partner):
    html = render(form_for(partner))
    box = html_element(html, "input", name="general-support_24_7")
    help_id = dict(box.attributes)["aria-describedby"]
    assert "24/7 replaces the support windows" in str(html_element(html, "p", id=help_id))
    assert html_elements(html, "div", class_="hours-windows", data_hours_windows="")


def test_the_server_still_judges_overlaps(partner):
    overlapping = [
        window(days=[0, 1], start="09:00", end="17:00", time_zone="Europe/Madrid"),
        window(days=[1], start="16:00", end="18:00", time_zone="Europe/Madrid"),
    ]
    form = form_for(partner, post_of(contact_form_data(windows=overlapping)))
    assert not form.is_valid()
    assert [text for _href, text in form.error_summary()] == [
        "Operational support hours, window 2: This window overlaps window 1 in Europe/Madrid: change its days or hours."
    ]


def test_the_overlap_hint_message_is_on_the_page_for_the_script(partner):
    html = render(form_for(partner))
    rows = html_element(html, "div", class_="entries", data_prefix="support_hours")
    assert dict(rows.attributes)["data-overlap-message"] == (
        "This window overlaps window {other} in {zone}: change its days or hours."
    )
    assert html_elements(html, "p", class_="overlap-hint", aria_live="polite", data_overlap_hint="")


def test_without_javascript_a_preset_comes_back_filled_in(partner, admin_user):
    client = signed_in(admin_user)
    url = reverse("contacts:onboarding")
    data = posted_values(client.get(url))
    data["support_hours-0-time_zone"] = "Europe/Madrid"
    body = client.post(url, {**data, "hours_preset": "every_day"}).content.decode()
    for day in range(7):
        assert "checked" in dict(html_element(body, "input", id=f"id_support_hours-0-days_{day}").attributes)
    assert dict(html_element(body, "input", name="support_hours-0-start").attributes)["value"] == "09:00"
    assert dict(html_element(body, "input", name="support_hours-0-time_zone").attributes)["value"] == "Europe/Madrid"
    assert "error-summary" not in body
