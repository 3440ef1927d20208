"""An operator disables an integration in the Django admin; the emergency contact acknowledges; members see it all."""

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import OutgoingEmail, User
from contacts.notifications.models import Notification
from contacts.notifications.services import integration_disable, notify
from contacts.routing import NotificationKind
from partners.models import Partner, Role
from tests.browser import PageErrors, run_axe, sign_in
from tests.helpers import PASSWORD, admin_of, complete_contacts, make_member, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACKNOWLEDGE_LINK = re.compile(r"https?://\S+/acknowledge/\S+/")


@pytest.fixture
def launched_partner(db):
    """A launched partner with complete contacts, whose contacts read their emails in Spanish."""
    partner = make_partner("Acme Bookings", admin_email="ana@acme.example")
    complete_contacts(partner, alerts=[admin_of(partner)])
    Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.LAUNCHED, language="es")
    partner.refresh_from_db()
    return partner


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="op@portal.example", password=PASSWORD)


@pytest.fixture
def links_to_live_server(settings, live_server):
    """Emails link to the live server, so a link read in an email opens in the browser."""
    settings.PORTAL_BASE_URL = live_server.url


def test_an_operator_disables_an_integration_and_the_emergency_contact_acknowledges_it(
    live_server, page, page_errors, browser, browser_context_args, launched_partner, operator, links_to_live_server
):
    # The operator signs in to the Django admin and runs the action on the partner list.
    page.goto(f"{live_server.url}/admin/")
    page.locator("#id_username").fill(operator.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(f"{live_server.url}/admin/partners/partner/")
    page.locator(f'input[name="_selected_action"][value="{launched_partner.pk}"]').check()
    page.locator('select[name="action"]').select_option("disable_integration")
    page.locator('button[name="index"]').click()  # "Go"

    expect(page.get_by_role("heading", name="Disable the integration")).to_be_visible()
    page.get_by_label("Reason").fill("Duplicate bookings since 10:00")
    page.get_by_role("button", name="Disable and notify").click()
    expect(page.get_by_text("Emails to the contacts of 1 partner are on their way")).to_be_visible()

    # Sent at once, after commit, to the technical emergency contact, in the partner's language.
    assert [m.to for m in mail.outbox] == [["technical_emergency0@acme.example"]]
    [email] = mail.outbox
    assert OutgoingEmail.objects.get().language == "es"
    with translation.override("es"):  # Spanish once the catalogue has it; the check holds either way
        subject = gettext("Emergency: the integration of %(partner)s has been disabled")
    assert email.subject == subject % {"partner": "Acme Bookings"}
    assert "Duplicate bookings since 10:00" in email.body
    link = ACKNOWLEDGE_LINK.search(email.body).group(0)

    # The contact opens the link signed out: GET shows the button and records nothing; pressing it does.
    contact_context = browser.new_context(**browser_context_args)
    contact = contact_context.new_page()
    contact_errors = PageErrors(contact)
    contact.goto(link)
    expect(contact.locator("html")).to_have_attribute("lang", "es")  # the email's language
    expect(contact.get_by_role("heading", level=1)).to_be_visible()
    expect(contact.get_by_text("Duplicate bookings since 10:00")).to_be_visible()
    button = contact.locator(".auth-card form button[type=submit]")
    expect(button).to_be_visible()
    assert Notification.objects.get().acknowledged_at is None
    button.focus()
    contact.keyboard.press("Enter")  # the keyboard is enough
    expect(contact.get_by_role("status")).to_be_visible()
    expect(button).to_have_count(0)
    notification = Notification.objects.get()
    assert notification.acknowledged_by == "technical_emergency0@acme.example"
    contact_errors.assert_none()
    contact_context.close()

    # A member of the partner sees the banner and the notification, acknowledged.
    member = make_member(launched_partner, Role.VIEWER, email="vera@acme.example")
    page.context.clear_cookies()
    sign_in(page.context, live_server, member)
    page.goto(live_server.url)
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Your integration has been disabled since")
    expect(banner).to_contain_text("Duplicate bookings since 10:00")
    expect(banner.get_by_role("link")).to_have_attribute("href", re.compile(r"^mailto:"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    item = page.locator(".notification").first
    expect(item.get_by_role("heading", name="Integration disabled")).to_be_visible()
    expect(item).to_contain_text("Acknowledged by technical_emergency0@acme.example")
    expect(item.get_by_role("cell", name="Acknowledged", exact=True)).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()  # the banner is on every page


# --- axe-core on the pages this feature adds ---------------------------------------------------------


def assert_no_serious_violations(page):
    violations = run_axe(page)
    assert violations == [], "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in violations)


@pytest.mark.axe
@pytest.mark.parametrize("language", ["en", "es"])
def test_axe_finds_nothing_serious_on_the_notifications_list(
    live_server, page, page_errors, launched_partner, operator, language
):
    notify(partner=launched_partner, kind=NotificationKind.ALERT, subject="Error rate above 5%", body="Since 10:00")
    integration_disable(partner=launched_partner, operator=operator, reason="Duplicate bookings")
    failed = Notification.objects.get(kind=NotificationKind.ALERT).deliveries.get().email
    failed.status = failed.Status.FAILED
    failed.save(update_fields=["status"])
    sign_in(page.context, live_server, admin_of(launched_partner), language=language)
    page.goto(f"{live_server.url}/settings/notifications/")
    expect(page.locator(".notification")).to_have_count(2)
    expect(page.locator(".disabled-banner")).to_be_visible()
    assert_no_serious_violations(page)


@pytest.mark.axe
@pytest.mark.parametrize("state", ["to_acknowledge", "acknowledged", "gone"])
def test_axe_finds_nothing_serious_on_the_acknowledgement_page(
    live_server, page, launched_partner, operator, links_to_live_server, state
):
    errors = PageErrors(page)
    integration_disable(partner=launched_partner, operator=operator, reason="Duplicate bookings")
    link = ACKNOWLEDGE_LINK.search(mail.outbox[0].body).group(0) if state != "gone" else None
    response = page.goto(link or f"{live_server.url}/acknowledge/not-a-token/")
    if state == "acknowledged":
        page.locator(".auth-card form button[type=submit]").click()
        expect(page.get_by_role("status")).to_be_visible()
    assert_no_serious_violations(page)
    if state == "gone":
        assert response.status == 410  # the browser logs the status as an error: nothing else may be logged
        assert all("410" in message for message in errors.messages), errors.messages
    else:
        errors.assert_none()
