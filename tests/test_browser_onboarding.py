"""Onboarding in a real browser: Chromium through Playwright, against the live server."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from partners.models import Role
from tests.browser import COMPLETE, WEEKDAYS, PageErrors, fill_contact_form, sign_in
from tests.helpers import ENGLISH_WORDS, PASSWORD, admin_of, complete_contacts, make_member, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_partner(db):
    return make_partner("Acme Bookings", admin_email="ana@acme.example")


def focus_is_in_dialog(page):
    return page.evaluate("() => !!document.activeElement && !!document.activeElement.closest('dialog[open]')")


def test_a_new_admin_meets_a_modal_that_cannot_be_escaped(live_server, page, page_errors, fresh_partner):
    page.goto(f"{live_server.url}/settings/users/")
    page.get_by_label("Email").fill("ana@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    dialog = page.locator("dialog#onboarding-modal")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('dialog').matches(':modal')")
    expect(page.get_by_role("dialog", name="Contact information required")).to_be_visible()

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('dialog').matches(':modal')")

    page.mouse.click(5, 5)  # the backdrop
    expect(dialog).to_be_visible()

    for _ in range(30):
        page.keyboard.press("Tab")
        assert focus_is_in_dialog(page)

    page.goto(f"{live_server.url}/settings/activity/")
    expect(page).to_have_url(re.compile(r"/onboarding/\?next=%2Fsettings%2Factivity%2F"))
    expect(dialog).to_be_visible()


def test_sign_in_cookie_helper_reaches_the_modal(live_server, page, page_errors, fresh_partner):
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(live_server.url)
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()


# --- Helpers shared by the scenarios below ------------------------------------------------------


def save(page, name="Save and continue"):
    page.get_by_role("button", name=name).click()


def field_errors(page, field_id):
    """The inline errors shown with one field."""
    return page.locator(f".field:has(#{field_id}) .errorlist")


def tab_to(page, selector, *, key="Tab", limit=60):
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{key} never reached {selector}")


def english_left(text):
    """English words left in text a Spanish reader sees (email addresses are data, not our words)."""
    return {m.group(0).lower() for m in ENGLISH_WORDS.finditer(re.sub(r"\S+@\S+", " ", text))}


# --- Scenarios 2 to 8 ------------------------------------------------------------------------------


def test_mistakes_are_shown_beside_the_fields_with_a_summary_and_nothing_typed_is_lost(
    live_server, page, page_errors, fresh_partner
):
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(f"{live_server.url}/settings/users/")
    fill_contact_form(
        page,
        **{
            "operator-0-email": "not-an-email",
            "operator-0-name": "Ops desk",
            "operator-0-phone": "12",
            "shared-email": "",
            "support_hours-0-end": "08:00",
        },
    )
    save(page)

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There are 4 problems to fix")
    expect(summary.get_by_role("link")).to_have_text(
        [
            re.compile(r"^Operational contact \(for the operator\), contact 1, Email: Enter a valid email address"),
            re.compile(r"^Operational contact \(for the operator\), contact 1, Phone: "),
            re.compile(r"^Operational contact \(shared with users\): Add the operational contact shared with users"),
            re.compile(r"^Operational support hours, window 1, End: End must be after start"),
        ]
    )
    expect(field_errors(page, "id_operator-0-email")).to_have_text(re.compile("Enter a valid email address"))
    expect(field_errors(page, "id_operator-0-phone")).to_be_visible()
    expect(field_errors(page, "id_support_hours-0-end")).to_have_text(re.compile("End must be after start"))
    expect(page.locator("#category-shared .category-errors")).to_have_text(re.compile("Add the operational contact"))
    expect(page.locator("#id_operator-0-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_operator-0-email")).to_have_accessible_description(re.compile("Enter a valid email"))
    expect(page.locator("#category-shared")).to_have_accessible_description(re.compile("Add the operational contact"))

    for selector, value in {
        **COMPLETE,
        "#id_operator-0-email": "not-an-email",
        "#id_operator-0-name": "Ops desk",
        "#id_operator-0-phone": "12",
        "#id_shared-email": "",
        "#id_support_hours-0-end": "08:00",
    }.items():
        expect(page.locator(selector)).to_have_value(value)
    for selector in WEEKDAYS:
        expect(page.locator(selector)).to_be_checked()
    expect(page.locator("#id_support_hours-0-days_5")).not_to_be_checked()

    summary.get_by_role("link").first.click()  # a summary link puts the cursor in the field
    expect(page.locator("#id_operator-0-email")).to_be_focused()


def test_fixing_the_mistakes_lands_on_the_page_first_asked_for_and_stays_unlocked(
    live_server, page, page_errors, fresh_partner
):
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(f"{live_server.url}/settings/activity/")
    fill_contact_form(page, **{"shared-email": "help@"})
    save(page)
    expect(field_errors(page, "id_shared-email")).to_be_visible()

    page.locator("#id_shared-email").fill("help@acme.example")
    save(page)

    expect(page).to_have_url(f"{live_server.url}/settings/activity/")
    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    expect(page.get_by_text("Contact information saved.")).to_be_visible()
    expect(page.locator("dialog")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    expect(page.locator("dialog")).to_have_count(0)
    page.goto(f"{live_server.url}/settings/contact-information/edit/")
    expect(page.locator("#id_shared-email")).to_have_value("help@acme.example")


def test_an_invited_colleague_completes_the_modal_and_the_admin_is_unlocked(
    live_server, page, page_errors, browser, browser_context_args, fresh_partner
):
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(f"{live_server.url}/settings/users/")
    page.get_by_role("tab", name="Users").click()
    users_tab = page.locator("#panel-users")
    users_tab.get_by_label("Email", exact=True).fill("colleague@acme.example")
    users_tab.get_by_label("Role", exact=True).select_option(label="Editor")
    users_tab.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_text("Invitation sent to colleague@acme.example.")).to_be_visible()
    expect(page.get_by_role("tab", name="Users")).to_have_attribute("aria-selected", "true")
    expect(users_tab.get_by_role("cell", name="colleague@acme.example", exact=True)).to_be_visible()
    assert [m.to for m in mail.outbox] == [["colleague@acme.example"]]
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)

    colleague_context = browser.new_context(**browser_context_args)
    colleague = colleague_context.new_page()
    colleague_errors = PageErrors(colleague)
    colleague.goto(link)
    colleague.get_by_label("Your name").fill("Carla Colleague")
    colleague.get_by_label("Password", exact=True).fill(PASSWORD)
    colleague.get_by_label("Password confirmation").fill(PASSWORD)
    colleague.get_by_role("button", name="Create my account and join").click()
    expect(colleague.get_by_role("dialog", name="Contact information required")).to_be_visible()
    fill_contact_form(colleague)
    save(colleague)
    expect(colleague.get_by_role("heading", name="Acme Bookings", level=1)).to_be_visible()
    expect(colleague.locator("dialog")).to_have_count(0)
    colleague_errors.assert_none()
    colleague_context.close()

    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name="Carla Colleague")).to_be_visible()


def test_the_whole_form_can_be_completed_with_the_keyboard_alone(live_server, page, page_errors, fresh_partner):
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog#onboarding-modal")).to_be_visible()

    # Enter in a field saves the form (it does not add a row): the summary then holds the focus.
    tab_to(page, "#id_technical_emergency-0-email")
    page.keyboard.type("oncall@acme.example")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_technical_emergency-0-email")).to_have_value("oncall@acme.example")
    expect(page.locator("#category-technical_emergency [data-row]")).to_have_count(1)

    for field_id, text in [
        ("id_technical_non_emergency-0-email", "dev@acme.example"),
        ("id_technical_non_emergency-0-name", "Dev team"),
        ("id_merchant_issues-0-email", "merchants@acme.example"),
        ("id_operator-0-email", "ops@acme.example"),
        ("id_shared-email", "help@acme.exmaple"),  # a slip, corrected below
        ("id_shared-phone", "+34 911 23 45 67"),
    ]:
        tab_to(page, f"#{field_id}")
        page.keyboard.type(text)
    for selector in WEEKDAYS:
        tab_to(page, selector)
        page.keyboard.press("Space")
    tab_to(page, "#id_support_hours-0-start")
    page.keyboard.type("0900AM")  # Chromium's time fields take typed digits; the test browser is en-US
    tab_to(page, "#id_support_hours-0-end")
    page.keyboard.type("0500PM")
    tab_to(page, "#id_support_hours-0-time_zone")
    page.keyboard.type("Europe/Madrid")
    tab_to(page, "#id_shared-email", key="Shift+Tab")  # back up to fix the slip: tabbing in selects the text
    page.keyboard.type("help@acme.example")

    tab_to(page, "button.button-primary")
    expect(page.locator(":focus")).to_have_text("Save and continue")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/settings/users/")
    expect(page.locator("dialog")).to_have_count(0)
    page.goto(f"{live_server.url}/settings/contact-information/edit/")
    expect(page.locator("#id_support_hours-0-end")).to_have_value("17:00")
    expect(page.locator("#id_shared-email")).to_have_value("help@acme.example")
    expect(page.locator("#id_shared-phone")).to_have_value("+34 911 23 45 67")
    for selector in WEEKDAYS:
        expect(page.locator(selector)).to_be_checked()


def test_in_spanish_no_english_is_left_on_the_modal_its_tabs_its_errors_or_settings(
    live_server, page, page_errors, fresh_partner
):
    sign_in(page.context, live_server, admin_of(fresh_partner), language="es")
    page.goto(f"{live_server.url}/settings/users/")
    dialog = page.get_by_role("dialog", name="Información de contacto obligatoria")
    expect(dialog).to_be_visible()
    assert english_left(dialog.inner_text()) == set()

    page.get_by_role("tab", name="Usuarios").click()
    expect(page.locator("#panel-users")).to_be_visible()
    assert english_left(dialog.inner_text()) == set()

    page.get_by_role("tab", name="Información de contacto").click()
    fill_contact_form(
        page, **{"operator-0-email": "no-es-un-email", "shared-email": "", "support_hours-0-end": "08:00"}
    )
    save(page, "Guardar y continuar")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(field_errors(page, "id_operator-0-email")).to_be_visible()
    assert english_left(dialog.inner_text()) == set()

    page.locator("#id_operator-0-email").fill("ops@acme.example")
    page.locator("#id_shared-email").fill("help@acme.example")
    page.locator("#id_support_hours-0-end").fill("17:00")
    save(page, "Guardar y continuar")
    expect(page.get_by_text("Se guardó la información de contacto.")).to_be_visible()
    for path in ["/settings/contact-information/edit/", "/settings/users/"]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert english_left(page.locator("body").inner_text()) == set(), path


def test_a_viewer_sees_the_read_only_modal_naming_who_can_complete_it(live_server, page, page_errors, fresh_partner):
    make_member(fresh_partner, Role.EDITOR, name="Eddie Editor", email="eddie@acme.example")
    viewer = make_member(fresh_partner, Role.VIEWER, name="Vera Viewer")
    sign_in(page.context, live_server, viewer)
    page.goto(live_server.url)

    expect(page.get_by_role("dialog", name="Contact information required")).to_be_visible()
    note = page.locator("#panel-contacts .alert-info")
    expect(note).to_contain_text("You have view-only access")
    expect(note.get_by_role("listitem")).to_have_text(
        [
            f"{admin_of(fresh_partner).get_full_name()} (ana@acme.example) · Admin",
            "Eddie Editor (eddie@acme.example) · Editor",
        ]
    )
    expect(page.locator("#id_technical_emergency-0-email")).to_be_disabled()
    expect(page.locator("#id_support_hours-0-days_0")).to_be_disabled()
    expect(page.get_by_role("button", name="Save and continue")).to_have_count(0)
    expect(page.get_by_role("button", name="Add another contact")).to_have_count(0)
    expect(page.get_by_label("Remove")).to_have_count(0)

    page.get_by_role("tab", name="Users").click()
    expect(page.get_by_text("Only Admins can add users.")).to_be_visible()
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)


def test_switching_to_production_without_alert_contacts_asks_for_them_alone(
    live_server, page, page_errors, fresh_partner
):
    admin = admin_of(fresh_partner)
    complete_contacts(fresh_partner)
    sign_in(page.context, live_server, admin)
    page.goto(live_server.url)
    expect(page.get_by_role("heading", name="Acme Bookings", level=1)).to_be_visible()
    expect(page.locator("dialog")).to_have_count(0)

    page.get_by_role("button", name="Production").click()
    dialog = page.get_by_role("dialog", name="Contact information required")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Production")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("form.contact-form > fieldset.category > legend")).to_have_text(
        ["Alert contacts Required in Production"]
    )
    expect(page.locator("details.settled > summary")).to_have_text("Already complete or not needed here (6 categories)")

    page.get_by_label(f"{admin.name} ({admin.email})").check()
    save(page)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Production")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".checklist-item.is-missing")).to_have_count(0)


def test_the_header_tools_work_from_inside_the_modal(live_server, page, page_errors, fresh_partner):
    # Everything outside a modal dialog is inert, so the modal carries the language switch and sign-out.
    sign_in(page.context, live_server, admin_of(fresh_partner))
    page.goto(f"{live_server.url}/settings/users/")
    page.get_by_role("dialog").get_by_role("button", name="Español").click()
    expect(page.get_by_role("dialog", name="Información de contacto obligatoria")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/onboarding/\?next=%2Fsettings%2Fusers%2F$"))

    page.get_by_role("dialog").get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
