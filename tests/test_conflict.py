"""Two people editing at once: a stale save is refused, the input kept, and what changed shown."""

from django.urls import reverse

from contacts.models import ContactInformation
from tests.helpers import complete_contacts, posted_values, signed_in

URL = reverse("contacts:edit")


def test_a_stale_save_is_refused_with_the_changes_and_the_input_kept(partner, admin_user, editor):
    complete_contacts(partner)
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana_data = posted_values(ana.get(URL))
    eddie_data = posted_values(eddie.get(URL))

    ana_data["operator-0-email"] = "ana-choice@acme.example"
    assert ana.post(URL, ana_data).status_code == 302

    eddie_data["operator-0-email"] = "eddie-choice@acme.example"
    eddie_data["operator-0-name"] = "Eddie's pick"
    response = eddie.post(URL, eddie_data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved the contact information while you were editing" in body
    assert "ana-choice@acme.example" in body  # what changed
    assert 'value="eddie-choice@acme.example"' in body  # nothing typed is lost
    info = ContactInformation.objects.get(partner=partner)
    assert info.contacts.get(category="operator").email == "ana-choice@acme.example"
    assert info.version == 1

    # Saving again, knowingly, replaces Ana's version.
    retry = posted_values(response)
    assert retry["general-version"] == "1"
    assert eddie.post(URL, retry).status_code == 302
    assert info.contacts.get(category="operator").email == "eddie-choice@acme.example"


def test_a_save_bumps_the_version_each_time(partner, admin_user):
    complete_contacts(partner)
    client = signed_in(admin_user)
    for expected in (1, 2):
        assert client.post(URL, posted_values(client.get(URL))).status_code == 302
        assert ContactInformation.objects.get(partner=partner).version == expected


def test_editing_a_row_someone_else_deleted_is_a_conflict_not_a_dead_end(partner, admin_user, editor):
    complete_contacts(partner)
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana_data = posted_values(ana.get(URL))
    eddie_data = posted_values(eddie.get(URL))
    eddie_data["technical_emergency-0-DELETE"] = "on"
    eddie_data.update({"technical_emergency-TOTAL_FORMS": "2", "technical_emergency-1-email": "pager@acme.example"})
    assert eddie.post(URL, eddie_data).status_code == 302

    ana_data["technical_emergency-0-name"] = "Ana's edit"
    response = ana.post(URL, ana_data)
    assert response.status_code == 409
    assert 'value="Ana&#x27;s edit"' in response.content.decode()
    assert ana.post(URL, posted_values(response)).status_code == 302
    emails = set(
        ContactInformation.objects.get(partner=partner)
        .contacts.filter(category="technical_emergency")
        .values_list("email", flat=True)
    )
    assert emails == {"technical_emergency0@acme.example"}  # Ana's version replaced Eddie's, nothing merged


def test_saving_after_a_conflict_replaces_instead_of_merging_past_the_limit(partner, admin_user, editor):
    complete_contacts(partner)
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana_data = posted_values(ana.get(URL))
    eddie_data = posted_values(eddie.get(URL))
    eddie_data["technical_emergency-TOTAL_FORMS"] = "10"
    for i in range(1, 10):
        eddie_data[f"technical_emergency-{i}-email"] = f"eddie{i}@acme.example"
    assert eddie.post(URL, eddie_data).status_code == 302
    response = ana.post(URL, ana_data)
    assert response.status_code == 409
    assert ana.post(URL, posted_values(response)).status_code == 302
    info = ContactInformation.objects.get(partner=partner)
    assert info.contacts.filter(category="technical_emergency").count() == 1
