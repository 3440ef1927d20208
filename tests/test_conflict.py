"""Two people editing at once: a stale save is refused, the input kept, and what changed shown."""

import pytest
from django.urls import reverse

from contacts import views
from contacts.forms import ContactInformationForm
from contacts.models import ContactInformation
from contacts.services import ContactInformationConflict, contact_information_for, contact_information_save
from partners.environments import Environment
from tests.helpers import complete_contacts, contact_form_data, posted_values, signed_in

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


def test_a_version_in_other_digits_is_refused_not_read_as_no_version(partner, admin_user):
    complete_contacts(partner)
    ContactInformation.objects.filter(partner=partner).update(version=3)
    client = signed_in(admin_user)
    response = client.post(URL, contact_form_data(version="٣", operator=["sneaky@acme.example"]))
    assert response.status_code in {200, 409}
    info = ContactInformation.objects.get(partner=partner)
    assert info.version == 3
    assert info.contacts.get(category="operator").email == "operator0@acme.example"
    if response.status_code == 200:
        assert "The form arrived incomplete: reload the page and try again." in response.content.decode()


def test_the_form_reads_a_posted_version_by_one_rule(partner):
    info = contact_information_for(partner)
    for posted, expected in [("٣", None), ("²", None), (" 0 ", 0), ("0", 0), ("9" * 20, None), ("-1", None)]:
        form = ContactInformationForm(contact_form_data(version=posted), info=info, environment=Environment.SANDBOX)
        assert form.posted_version == expected, posted
        assert form.is_valid() is (expected is not None), posted
        if expected is not None:
            assert form.version == expected


def test_the_save_refuses_a_form_filled_from_an_older_version(partner, admin_user):
    info = contact_information_for(partner)
    form = ContactInformationForm(contact_form_data(version=0), info=info, environment=Environment.SANDBOX)
    assert form.is_valid(), form.error_summary()
    ContactInformation.objects.filter(pk=info.pk).update(version=1)  # a colleague saved meanwhile
    with pytest.raises(ContactInformationConflict) as raised:
        contact_information_save(form=form, actor=admin_user)
    assert raised.value.current_version == 1
    stored = ContactInformation.objects.get(pk=info.pk)
    assert stored.version == 1 and not stored.contacts.exists()


def test_a_colleague_saving_between_the_check_and_the_save_is_a_conflict(partner, admin_user, editor, monkeypatch):
    complete_contacts(partner)
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana_data = posted_values(ana.get(URL))
    eddie_data = posted_values(eddie.get(URL))
    ana_data["operator-0-email"] = "ana-choice@acme.example"
    eddie_data["operator-0-email"] = "eddie-choice@acme.example"

    def eddie_saves_first(*, form, actor):
        # Ana's post passed the stale check; Eddie's save lands before hers claims the version.
        info = contact_information_for(partner)
        theirs = ContactInformationForm(eddie_data, info=info, environment=form.environment)
        assert theirs.is_valid(), theirs.error_summary()
        contact_information_save(form=theirs, actor=editor)
        return contact_information_save(form=form, actor=actor)

    monkeypatch.setattr(views, "contact_information_save", eddie_saves_first)
    response = ana.post(URL, ana_data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved the contact information while you were editing" in body
    assert "<ins>eddie-choice@acme.example</ins>" in body  # the colleague's change, listed
    assert 'value="ana-choice@acme.example"' in body  # her input, kept
    info = ContactInformation.objects.get(partner=partner)
    assert info.version == 1
    assert info.contacts.get(category="operator").email == "eddie-choice@acme.example"
    assert posted_values(response)["general-version"] == "1"


def test_asking_for_another_row_keeps_the_version_the_page_was_filled_from(partner, admin_user, editor):
    complete_contacts(partner)
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana_data = posted_values(ana.get(URL))
    eddie_data = posted_values(eddie.get(URL))
    eddie_data["operator-0-email"] = "eddie-choice@acme.example"
    assert eddie.post(URL, eddie_data).status_code == 302

    response = ana.post(URL, {**ana_data, "add_row": "operator"})
    assert response.status_code == 200
    again = posted_values(response)
    assert again["general-version"] == "0"  # not silently rebased on Eddie's version
    assert again["operator-TOTAL_FORMS"] == "2"
    again["operator-1-email"] = "second@acme.example"
    assert ana.post(URL, again).status_code == 409
    assert ContactInformation.objects.get(partner=partner).contacts.get(category="operator").email == (
        "eddie-choice@acme.example"
    )


def test_an_invalid_save_made_stale_meanwhile_gets_the_conflict_page_not_a_riddle(
    complete_partner, admin_user, editor, monkeypatch
):
    """A colleague removes a member between our staleness check and validation: our form, which still ticks
    that member as an alert contact, is now invalid; the answer is the conflict page, not "Select a valid choice"."""
    from accounts.models import User
    from contacts.services import membership_remove
    from partners.models import Membership

    colleague = User.objects.get(pk=editor.pk)
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(URL))
    data["general-alert_contacts"] = [str(admin_user.pk), str(colleague.pk)]
    original = ContactInformationForm.is_valid

    def colleague_acts_first(form):
        membership_remove(membership=Membership.objects.get(user=colleague), actor=admin_user)
        return original(form)

    monkeypatch.setattr(ContactInformationForm, "is_valid", colleague_acts_first)
    response = client.post(URL, data)
    assert response.status_code == 409
    assert "Someone else saved the contact information while you were editing" in response.content.decode()
    assert "Select a valid choice" not in response.content.decode()
    info = ContactInformation.objects.get(partner=complete_partner)
    assert list(info.alert_contacts.all()) == [admin_user]


def test_a_save_made_stale_by_an_operators_admin_edit_is_a_conflict_that_names_the_operator(
    complete_partner, admin_user, django_user_model
):
    client = signed_in(admin_user)
    data = posted_values(client.get(URL))
    operator = django_user_model.objects.create_superuser(email="op@portal.example", password="x-Op3rator-pass")
    staff = signed_in(operator)
    info = ContactInformation.objects.get(partner=complete_partner)
    contact = info.contacts.get(category="operator")
    response = staff.post(
        reverse("admin:contacts_contact_change", args=[contact.pk]),
        {"contact_information": info.pk, "category": "operator", "email": "night-desk@acme.example", "name": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    data["operator-0-email"] = "mine@acme.example"
    response = client.post(URL, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "night-desk@acme.example" in page  # what the operator changed
    assert "op@portal.example" in page  # and who: the operator, by name
    activity = client.get(reverse("portal:activity")).content.decode()
    assert "Operator (op@portal.example)" in activity and "night-desk@acme.example" in activity
