"""Each contact may choose the language of the emails it receives; blank follows the account's."""

import pytest
from django.urls import reverse

from contacts.models import Contact
from contacts.routing import NotificationKind, recipients_for
from tests.helpers import html_elements, posted_values, signed_in

URL = reverse("contacts:edit")

pytestmark = pytest.mark.django_db


def test_a_contact_row_offers_the_language_of_its_emails(complete_partner, admin_user):
    page = signed_in(admin_user).get(URL).content.decode()
    [select] = html_elements(page, "select", name="technical_emergency-0-language")
    assert "The account&#x27;s language" in page or "The account's language" in page
    assert '<option value="es">Spanish</option>' in page
    assert select is not None
    assert not html_elements(page, "select", name="shared-language")  # the shared contact is never emailed


def form_with_pager(client, language):
    data = posted_values(client.get(URL))
    data["technical_emergency-0-email"] = "pager@acme.example"
    data["technical_emergency-0-language"] = language
    return data


def test_the_chosen_language_is_saved_and_used_for_that_contacts_emails(complete_partner, admin_user):
    client = signed_in(admin_user)
    response = client.post(URL, form_with_pager(client, "es"))
    assert response.status_code == 302
    assert Contact.objects.get(category="technical_emergency").language == "es"
    [recipient] = recipients_for(complete_partner, NotificationKind.EMERGENCY)
    assert (recipient.email, recipient.language) == ("pager@acme.example", "es")
    entry = complete_partner.activities.get().after["technical_emergency"][0]
    assert (entry["email"], entry["language"]) == ("pager@acme.example", "es")


def test_a_contact_without_a_language_is_written_to_in_the_accounts(complete_partner, admin_user):
    complete_partner.language = "es"
    complete_partner.save()
    client = signed_in(admin_user)
    assert client.post(URL, form_with_pager(client, "")).status_code == 302
    [recipient] = recipients_for(complete_partner, NotificationKind.EMERGENCY)
    assert recipient.language == "es"


def test_an_unknown_language_is_refused_and_the_row_kept(complete_partner, admin_user):
    client = signed_in(admin_user)
    response = client.post(URL, form_with_pager(client, "xx"))
    assert response.status_code == 200
    assert 'value="pager@acme.example"' in response.content.decode()
    assert not Contact.objects.filter(email="pager@acme.example").exists()


def test_the_operator_only_contact_has_no_language_since_it_is_never_emailed(complete_partner, admin_user):
    client = signed_in(admin_user)
    page = client.get(URL).content.decode()
    assert not html_elements(page, "select", name="operator-0-language")
    assert client.post(URL, posted_values(client.get(URL))).status_code == 302  # and the form still saves
