"""Nothing typed is ever lost, in a real browser: switches, the Users tab, a reload, signing out; then Discard."""

import pytest
from playwright.sync_api import expect

from contacts.models import ContactDraft
from tests.browser import sign_in
from tests.helpers import admin_of, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = {
    "#id_technical_emergency-0-email": "oncall@acme.example",
    "#id_operator-0-email": "ops@acme.example",
    "#id_operator-0-name": "Night desk",
}


@pytest.fixture
def admin(db):
    return admin_of(make_partner("Acme Bookings", admin_email="ana@acme.example"))


def expect_typed(page, values=TYPED):
    for selector, value in values.items():
        expect(page.locator(selector)).to_have_value(value)


def expect_status(page, key):
    """The draft's status line says what its `data-text-<key>` holds (in the page's language)."""
    text = page.locator("[data-draft]").get_attribute(f"data-text-{key}")
    expect(page.locator("[data-draft-status]")).to_have_text(text)


def type_and_wait(page, values):
    """Type like a person, then wait until the draft says it is kept."""
    for selector, value in values.items():
        page.locator(selector).fill(value)
    expect_status(page, "saved")


def test_what_is_typed_survives_switches_an_invitation_a_reload_and_signing_out(live_server, page, page_errors, admin):
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/settings/activity/")
    dialog = page.locator("dialog#onboarding-modal")
    expect(dialog).to_be_visible()

    # Typed, and the language switched at once (no time for an autosave): the switch carries the form.
    for selector, value in TYPED.items():
        page.locator(selector).fill(value)
    page.locator("button[name=switch_language][value=es]").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect_typed(page)
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    assert "next=%2Fsettings%2Factivity%2F" in page.url  # still leading to the page first asked for

    # The environment, likewise.
    page.locator("#id_operator-0-phone").fill("+1 212 555 0100")
    page.locator("button[name=switch_environment][value=production]").click()
    expect(page.locator("button[name=switch_environment][value=production]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#category-alert")).to_be_visible()
    typed = {**TYPED, "#id_operator-0-phone": "+1 212 555 0100"}
    expect_typed(page, typed)

    # Typed, then straight to the Users tab to send an invitation: the draft is kept before the form goes.
    page.locator("#id_shared-email").fill("help@acme.example")
    typed["#id_shared-email"] = "help@acme.example"
    page.locator("#tab-users").click()
    users = page.locator("#panel-users")
    users.locator("input[name=email]").fill("colleague@acme.example")
    users.locator(".invite-form button[type=submit]").click()
    expect(page.locator("#tab-users")).to_have_attribute("aria-selected", "true")
    expect(users.get_by_role("cell", name="colleague@acme.example", exact=True)).to_be_visible()
    page.locator("#tab-contacts").click()
    expect_typed(page, typed)

    # A reload, once the draft is kept.
    type_and_wait(page, {"#id_technical_non_emergency-0-email": "dev@acme.example"})
    typed["#id_technical_non_emergency-0-email"] = "dev@acme.example"
    page.reload()
    page.locator("#tab-contacts").click()  # the address still names the Users tab
    expect_typed(page, typed)

    # Signing out right after typing, and in again (a new session, which starts in Production, where they left).
    page.locator("#id_operator-0-name").fill("Night desk 2")
    typed["#id_operator-0-name"] = "Night desk 2"
    page.locator(".header-tools form[action*=logout] button[type=submit]").click()
    expect(page.locator("dialog")).to_have_count(0)
    sign_in(page.context, live_server, admin)
    page.goto(live_server.url)
    expect(dialog).to_be_visible()
    expect(page.locator("button[name=switch_environment][value=production]")).to_have_attribute("aria-pressed", "true")
    expect_typed(page, typed)

    # Discard draft: the stored (empty) form again, and nothing kept.
    page.locator("button[form=draft-discard]").click()
    for selector in typed:
        expect(page.locator(selector)).to_have_value("")
    expect(page.locator("[data-draft-notice]")).to_be_hidden()
    assert not ContactDraft.objects.exists()


def test_leaving_with_changes_not_yet_kept_asks_first(live_server, page, page_errors, admin):
    sign_in(page.context, live_server, admin)
    page.goto(f"{live_server.url}/onboarding/")
    asks = """() => {
        const event = new Event("beforeunload", {cancelable: true});
        window.dispatchEvent(event);
        return event.defaultPrevented;
    }"""
    assert page.evaluate(asks) is False  # nothing typed
    page.route("**/contact-information/draft/", lambda route: route.abort())  # the draft cannot be kept
    page.locator("#id_operator-0-email").fill("ops@acme.example")
    expect_status(page, "failed")
    assert page.evaluate(asks) is True
    page.unroute("**/contact-information/draft/")
    page_errors.messages = [m for m in page_errors.messages if "ERR_FAILED" not in m]  # the aborted autosave
    page.locator("#id_operator-0-name").fill("Night desk")
    expect_status(page, "saved")
    assert page.evaluate(asks) is False  # kept: leaving loses nothing


def test_without_javascript_the_switches_carry_the_form(live_server, browser, browser_context_args, admin):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    sign_in(context, live_server, admin)
    page.goto(f"{live_server.url}/onboarding/")
    for selector, value in TYPED.items():
        page.locator(selector).fill(value)
    page.locator("button[name=switch_language][value=es]").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect_typed(page)
    page.locator("#id_shared-email").fill("help@acme.example")
    page.locator("button[name=switch_environment][value=production]").click()
    expect(page.locator("button[name=switch_environment][value=production]")).to_have_attribute("aria-pressed", "true")
    expect_typed(page, {**TYPED, "#id_shared-email": "help@acme.example"})
    page.locator("button[form=draft-discard]").click()
    expect(page.locator("#id_shared-email")).to_have_value("")
    context.close()
