"""Verification of contact addresses: a confirmation email with a single-use link to every new address, a page whose
button confirms, statuses on every page that shows contacts (never stale, though cached), and a counted Resend."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import OutgoingEmail, User
from contacts.models import AddressVerification, Contact, VerificationStatus
from contacts.services import contact_information_for, contact_information_reconcile, contact_status_refresh
from contacts.verification import (
    SENDS_PER_WINDOW,
    address_statuses,
    verification_sync,
    verified_addresses,
)
from partners.environments import Environment
from partners.models import hash_token
from tests.helpers import (
    PASSWORD,
    admin_of,
    complete_contacts,
    contact_form_data,
    make_partner,
    posted_values,
    signed_in,
)

pytestmark = pytest.mark.django_db

SETTINGS = reverse("contacts:edit")
SUMMARY = reverse("contacts:settings")
MODAL = reverse("contacts:onboarding")
LINK = re.compile(r"https?://[^/\s]+(/verify-address/[^/\s]+/)")
ADDRESSES = [f"{category}0@acme.example" for category in ("technical_emergency", "technical_non_emergency")] + [
    f"{category}0@acme.example" for category in ("merchant_issues", "operator", "shared")
]


def confirmations(outbox):
    """The confirmation emails among those sent (a save may send others: routing changes to the Admins)."""
    return [message for message in outbox if LINK.search(message.body)]


def links(outbox):
    """{recipient: the confirmation page's path} of the confirmation emails sent."""
    return {message.to[0]: LINK.search(message.body).group(1) for message in confirmations(outbox)}


@pytest.fixture
def complete_partner(partner, admin_user):
    """The partner with contact information complete in both environments, no address verified yet."""
    complete_contacts(partner, alerts=[admin_user], verified=False)
    return partner


def sync(partner, sent):
    """Run verification_sync as a save does (in its transaction), and return the confirmation paths sent."""
    info = contact_information_for(partner)
    with sent() as outbox, transaction.atomic():
        verification_sync(info=info)
        contact_status_refresh(partner=partner, info=info)
    return links(outbox)


@pytest.fixture
def paths(complete_partner, sent):
    """The complete partner's five contact addresses, each sent its confirmation link."""
    return sync(complete_partner, sent)


def verification(address):
    return AddressVerification.objects.get(address=address)


def resend_path(address):
    return reverse("verification:resend", args=[verification(address).pk])


# --- The email and the link ------------------------------------------------------------------------------------


def test_a_new_contact_gets_one_confirmation_email_with_a_link(partner, admin_user, sent):
    client = signed_in(admin_user)
    with sent() as outbox:
        response = client.post(MODAL, contact_form_data())
    assert response.status_code == 302  # verification never holds the modal's completion
    partner.refresh_from_db()
    assert partner.contacts_complete(Environment.SANDBOX)
    sent_to = sorted(message.to[0] for message in confirmations(outbox))
    assert sent_to == sorted(
        ["oncall@acme.example", "dev@acme.example", "merchants@acme.example", "ops@acme.example", "help@acme.example"]
    )
    message = next(m for m in confirmations(outbox) if m.to == ["oncall@acme.example"])
    assert "Acme Bookings" in message.subject
    token = LINK.search(message.body).group(1).split("/")[-2]
    stored = verification("oncall@acme.example")
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash  # only the digest is kept
    assert timedelta(hours=71) < stored.token_expires_at - timezone.now() <= timedelta(hours=72)
    assert stored.status == VerificationStatus.PENDING
    assert OutgoingEmail.objects.get(pk=stored.last_email_id).one_time_link  # its body is erased once sent


def test_one_address_in_two_categories_is_verified_once(partner, admin_user, sent):
    with sent() as outbox:
        signed_in(admin_user).post(MODAL, contact_form_data(technical_non_emergency=["OnCall@acme.example"]))
    assert sum(m.to[0].lower() == "oncall@acme.example" for m in confirmations(outbox)) == 1
    assert AddressVerification.objects.filter(partner=partner).count() == 4


def test_the_email_is_in_the_contacts_language_else_the_partners(complete_partner, sent):
    complete_partner.language = "es"
    complete_partner.save(update_fields=["language"])
    Contact.objects.filter(email="operator0@acme.example").update(language="en")
    info = contact_information_for(complete_partner)
    with sent() as outbox, transaction.atomic():
        verification_sync(info=info)
    languages = {m.to[0]: OutgoingEmail.objects.filter(to=m.to[0]).get().language for m in outbox}
    assert languages["operator0@acme.example"] == "en"
    assert languages["shared0@acme.example"] == "es"
    spanish = next(m for m in outbox if m.to == ["shared0@acme.example"])
    assert verification("shared0@acme.example").language == "es"
    assert "Acme Bookings" in spanish.subject


# --- The page: GET shows a button, POST confirms, once ---------------------------------------------------------


def test_get_shows_a_button_and_confirms_nothing(paths):
    client = Client()
    response = client.get(paths["shared0@acme.example"])
    assert response.status_code == 200
    assertContains(response, "shared0@acme.example")
    assertContains(response, "Acme Bookings")
    assertContains(response, '<button type="submit"', html=False)
    assert "no-store" in response["Cache-Control"]
    assert client.head(paths["shared0@acme.example"]).status_code == 200
    assert verification("shared0@acme.example").status == VerificationStatus.PENDING


def test_post_confirms_and_the_link_works_once(paths, complete_partner):
    client = Client(enforce_csrf_checks=True)
    path = paths["technical_emergency0@acme.example"]
    client.get(path)  # hands a signed-out visitor the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(path, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assertContains(response, 'role="status"', html=False)
    assert verification("technical_emergency0@acme.example").status == VerificationStatus.VERIFIED
    assert verified_addresses(complete_partner) == {"technical_emergency0@acme.example"}
    assert verification("technical_emergency0@acme.example").token_hash is None
    # Used: the second visit and the second press are refused, and say why.
    assert client.get(path).status_code == 410
    again = client.post(path, {"csrfmiddlewaretoken": token})
    assert again.status_code == 410
    assertContains(again, "no longer works", status_code=410)


def test_an_expired_link_is_refused(paths):
    AddressVerification.objects.filter(address="shared0@acme.example").update(
        token_expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = Client()
    assert client.get(paths["shared0@acme.example"]).status_code == 410
    assert client.post(paths["shared0@acme.example"]).status_code == 410
    assert verification("shared0@acme.example").status == VerificationStatus.PENDING


def test_a_mistyped_link_is_refused(paths):
    assert Client().get(reverse("verification:confirm", args=["nonsense"])).status_code == 410


def test_the_page_works_while_the_gate_holds_for_a_signed_in_member(partner, admin_user, sent):
    # Incomplete contact information: every portal page is the modal, but not this one.
    info = contact_information_for(partner)
    Contact.objects.create(contact_information=info, category="operator", email="ops@acme.example")
    (path,) = sync(partner, sent).values()
    client = signed_in(admin_user)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    assert verification("ops@acme.example").status == VerificationStatus.VERIFIED


def test_the_page_is_in_the_emails_language(complete_partner, sent):
    complete_partner.language = "es"
    complete_partner.save(update_fields=["language"])
    path = sync(complete_partner, sent)["shared0@acme.example"]
    response = Client().get(path)
    assert response["Content-Language"] == "es"
    assertContains(response, '<html lang="es">', html=False)
    chosen = Client()
    chosen.cookies["django_language"] = "en"  # the visitor's own choice wins
    assert chosen.get(path)["Content-Language"] == "en"


# --- Verification belongs to the address within the partner, not to a form row --------------------------------


def confirm(path):
    assert Client().post(path).status_code == 200


def test_a_save_that_keeps_an_address_keeps_its_verification(paths, admin_user, sent):
    confirm(paths["technical_emergency0@acme.example"])
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(SETTINGS))
    # The same address, written differently, in another row order: the same identity.
    data["technical_emergency-0-email"] = "Technical_Emergency0@acme.example"
    with sent() as outbox:
        assert client.post(SETTINGS, data).status_code == 302
    assert confirmations(outbox) == []
    assert verification("technical_emergency0@acme.example").status == VerificationStatus.VERIFIED


def test_a_changed_address_gets_a_new_email_and_the_others_none(paths, admin_user, sent):
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "new-operator@acme.example"
    with sent() as outbox:
        assert client.post(SETTINGS, data).status_code == 302
    assert [m.to for m in confirmations(outbox)] == [["new-operator@acme.example"]]
    assert verification("new-operator@acme.example").status == VerificationStatus.PENDING


def test_an_address_removed_then_added_again_comes_back_verified(paths, admin_user, sent):
    confirm(paths["operator0@acme.example"])
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "someone-else@acme.example"
    client.post(SETTINGS, data)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "operator0@acme.example"
    with sent() as outbox:
        client.post(SETTINGS, data)
    assert confirmations(outbox) == []
    assert verification("operator0@acme.example").status == VerificationStatus.VERIFIED


def test_an_unconfirmed_address_added_again_after_its_link_expired_gets_a_new_one(paths, admin_user, sent):
    AddressVerification.objects.filter(address="operator0@acme.example").update(
        token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    client = signed_in(admin_user, Environment.PRODUCTION)
    with sent() as outbox:  # a save that keeps the address sends nothing, even with its link expired
        client.post(SETTINGS, posted_values(client.get(SETTINGS)))
    assert "operator0@acme.example" not in links(outbox)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "someone-else@acme.example"
    client.post(SETTINGS, data)
    data = posted_values(client.get(SETTINGS))
    data["operator-0-email"] = "operator0@acme.example"
    with sent() as outbox:
        assert client.post(SETTINGS, data).status_code == 302
    assert list(links(outbox)) == ["operator0@acme.example"]
    assert client.get(links(outbox)["operator0@acme.example"]).status_code == 200  # the new link works


def test_an_operators_change_in_the_admin_is_verified_too(complete_partner, sent):
    info = contact_information_for(complete_partner)
    Contact.objects.create(contact_information=info, category="operator", email="added-by-ops@acme.example")
    with sent() as outbox:
        contact_information_reconcile(partner=complete_partner)
    assert "added-by-ops@acme.example" in [m.to[0] for m in confirmations(outbox)]


def test_the_same_address_at_another_partner_is_verified_apart(paths, sent):
    other = make_partner("Other Bookings")
    complete_contacts(other, verified=False)
    sync(other, sent)
    assert AddressVerification.objects.filter(address="shared0@acme.example").count() == 2
    confirm(paths["shared0@acme.example"])
    assert verified_addresses(other) == set()


def test_not_delivered_when_its_email_failed_for_good(paths, complete_partner):
    OutgoingEmail.objects.filter(pk=verification("shared0@acme.example").last_email_id).update(
        status=OutgoingEmail.Status.FAILED
    )
    assert address_statuses(complete_partner)["shared0@acme.example"] == VerificationStatus.NOT_DELIVERED


# --- Resend: Admins and Editors, of their own partner, three times an hour -------------------------------------


def test_resend_sends_a_new_link_and_the_old_one_stops_working(paths, admin_user, sent):
    client = signed_in(admin_user)
    with sent() as outbox:
        response = client.post(resend_path("shared0@acme.example") + "?back=" + SUMMARY)
    assert response.status_code == 302 and response["Location"] == SUMMARY
    (new_path,) = links(outbox).values()
    assert new_path != paths["shared0@acme.example"]
    assert Client().get(paths["shared0@acme.example"]).status_code == 410
    confirm(new_path)
    assert verification("shared0@acme.example").status == VerificationStatus.VERIFIED


def test_resend_is_limited_to_three_sends_an_hour_counted_in_the_database(paths, admin_user, sent):
    client = signed_in(admin_user)
    url = resend_path("shared0@acme.example") + "?back=" + SUMMARY
    for _ in range(SENDS_PER_WINDOW - 1):  # the first email counts
        with sent() as outbox:
            client.post(url)
        assert len(confirmations(outbox)) == 1
    with sent() as outbox:
        response = client.post(url, follow=True)
    assert confirmations(outbox) == []
    assertContains(response, "3 times in the last hour")
    assertContains(response, "You can send the next one in")
    assert verification("shared0@acme.example").window_sends == SENDS_PER_WINDOW
    # An hour later (the window opened in the database), it may go again.
    AddressVerification.objects.filter(address="shared0@acme.example").update(
        window_started_at=timezone.now() - timedelta(hours=1, seconds=1)
    )
    with sent() as outbox:
        client.post(url)
    assert len(confirmations(outbox)) == 1


def test_a_verified_address_is_not_resent(paths, admin_user, sent):
    confirm(paths["shared0@acme.example"])
    with sent() as outbox:
        response = signed_in(admin_user).post(resend_path("shared0@acme.example"), follow=True)
    assert confirmations(outbox) == []
    assertContains(response, "is verified already")


def test_another_partners_verification_is_not_found(paths, sent):
    other = make_partner("Other Bookings")
    with sent() as outbox:
        response = signed_in(admin_of(other)).post(resend_path("shared0@acme.example"))
    assert response.status_code == 404 and confirmations(outbox) == []


def test_a_viewer_cannot_resend_and_an_editor_can(paths, viewer, editor, sent):
    with sent() as outbox:
        assert signed_in(viewer).post(resend_path("shared0@acme.example")).status_code == 403
    assert confirmations(outbox) == []
    with sent() as outbox:
        assert signed_in(editor).post(resend_path("shared0@acme.example")).status_code == 302
    assert len(confirmations(outbox)) == 1


def test_resend_is_post_only(paths, admin_user):
    assert signed_in(admin_user).get(resend_path("shared0@acme.example")).status_code == 405


def test_resend_from_the_contact_form_keeps_what_was_typed(paths, admin_user, sent):
    client = signed_in(admin_user, Environment.PRODUCTION)
    page = client.get(SETTINGS).content.decode()
    # The button submits the contact form to the resend view (a form may not hold another form).
    action = (
        re.search(r'formaction="(/settings/contact-information/verifications/[^"]+)"', page)
        .group(1)
        .replace("&amp;", "&")
    )
    assert action.startswith("/settings/contact-information/verifications/") and "back=" in action
    data = posted_values(client.get(SETTINGS))
    data["operator-0-name"] = "Typed but not saved"
    with sent() as outbox:
        response = client.post(action, data)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert len(confirmations(outbox)) == 1
    assertContains(client.get(SETTINGS), "Typed but not saved")  # restored from the draft


# --- Statuses on every page, never stale ------------------------------------------------------------------------


def row_status(html, prefix):
    """The verification drawn in the form row `prefix` (e.g. "shared"), or None."""
    row = re.search(rf'id="row-{prefix}"(.*?)</fieldset>', html, re.S)
    found = re.search(r'class="verification verification-(\w+)"', row.group(1)) if row else None
    return found.group(1) if found else None


def test_statuses_in_the_settings_form_and_never_stale(paths, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    page = client.get(SETTINGS).content.decode()
    assert row_status(page, "shared") == "pending"
    assert "Waiting for confirmation" in page and "Resend" in page
    client.get(SETTINGS)  # drawn from the cache now
    confirm(paths["shared0@acme.example"])
    page = client.get(SETTINGS).content.decode()
    assert row_status(page, "shared") == "verified"
    assert row_status(page, "operator-0") == "pending"
    OutgoingEmail.objects.filter(pk=verification("operator0@acme.example").last_email_id).update(
        status=OutgoingEmail.Status.FAILED
    )
    page = client.get(SETTINGS).content.decode()
    assert row_status(page, "operator-0") == "not_delivered" and "Not delivered" in page


def test_statuses_on_a_sections_own_page(paths, admin_user):
    confirm(paths["operator0@acme.example"])
    page = signed_in(admin_user).get(reverse("contacts:edit_section", args=["operator"])).content.decode()
    assert row_status(page, "operator-0") == "verified"


def test_statuses_in_the_modal(partner, admin_user, sent):
    # In Production with no alert contact, the modal comes back: it shows the stored addresses' statuses.
    info = complete_contacts(partner, verified=False)
    with sent() as outbox, transaction.atomic():
        verification_sync(info=info)
    confirm(links(outbox)["technical_emergency0@acme.example"])
    client = signed_in(admin_user, Environment.PRODUCTION)
    page = client.get(MODAL).content.decode()
    assert row_status(page, "technical_emergency-0") == "verified"
    assert row_status(page, "shared") == "pending"


def test_a_viewer_sees_statuses_without_resend(paths, viewer):
    page = signed_in(viewer).get(SETTINGS).content.decode()
    assert row_status(page, "shared") == "pending"
    assert "verification-resend" not in page


def test_statuses_in_the_summary(paths, admin_user, viewer):
    confirm(paths["shared0@acme.example"])
    page = signed_in(admin_user).get(SUMMARY)
    assertContains(page, "verification verification-verified", count=1)
    assertContains(page, "verification verification-pending", count=4)
    assertContains(page, 'class="button button-small button-secondary verification-resend"', count=4)
    assertNotContains(signed_in(viewer).get(SUMMARY), "verification-resend")


def test_statuses_in_the_admin(paths, complete_partner):
    confirm(paths["shared0@acme.example"])
    operator = User.objects.create_superuser(email="operator@portal.example", password=PASSWORD)
    client = signed_in(operator)
    info = contact_information_for(complete_partner)
    change = client.get(reverse("admin:contacts_contactinformation_change", args=[info.pk]))
    assertContains(change, "Verified", count=1)
    assertContains(change, "Waiting for confirmation", count=4)
    listing = client.get(reverse("admin:contacts_contact_changelist"))
    assertContains(listing, "Verified")
    verifications = client.get(reverse("admin:contacts_addressverification_changelist"))
    assertContains(verifications, "shared0@acme.example")
    one = verification("shared0@acme.example")
    page = client.get(reverse("admin:contacts_addressverification_change", args=[one.pk]))
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split('id="content"')[1]
    assert client.get(reverse("admin:contacts_addressverification_add")).status_code == 403


@pytest.mark.parametrize("per_category", [1, 5])
def test_statuses_cost_one_query_whatever_the_number_of_contacts(db, per_category, sent):
    partner = make_partner()
    admin = admin_of(partner)
    complete_contacts(partner, alerts=[admin], per_category=per_category, verified=False)
    sync(partner, sent)
    client = signed_in(admin, Environment.PRODUCTION)
    client.get(SETTINGS)
    with CaptureQueriesContext(connection) as warm:
        client.get(SETTINGS)
    assert sum("contacts_addressverification" in q["sql"] for q in warm.captured_queries) == 1
    with CaptureQueriesContext(connection) as summary:
        client.get(SUMMARY)
    assert sum("contacts_addressverification" in q["sql"] for q in summary.captured_queries) == 1


def test_addresses_saved_before_verification_existed_are_asked_after_the_deploy_command(partner, admin_user, sent):
    from io import StringIO

    from django.core.management import call_command

    from contacts.models import AddressVerification
    from tests.helpers import complete_contacts

    complete_contacts(partner, alerts=[admin_user], verified=False)  # rows written directly: nobody asked yet
    assert not AddressVerification.objects.filter(partner=partner).exists()
    with sent() as outbox:
        call_command("refresh_contact_status", stdout=StringIO())
    assert (
        AddressVerification.objects.filter(partner=partner, verified_at__isnull=True).count() == 5
    )  # four categories and the shared contact
    assert len(outbox) == 5
    with sent() as outbox:  # run again after the next deploy: nobody asked twice
        call_command("refresh_contact_status", stdout=StringIO())
    assert outbox == []
