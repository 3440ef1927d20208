"""Settings › Activity: an Admin restores the contact information as it was before a recorded change, through a
confirmation page, as a normal save (version check, activity log, routing emails)."""

import pytest
from django.urls import reverse

from accounts.models import OutgoingEmail
from contacts.restore import RestoreRefused, contact_information_restore, restore_data
from contacts.routing_changes import routing_of
from contacts.services import contact_information_for, membership_remove
from partners.environments import Environment
from partners.models import Activity, Role
from tests.helpers import complete_contacts, html_element, make_member, make_partner, signed_in
from tests.test_routing_changes import save

ACTIVITY = reverse("portal:activity")


def restore_url(activity):
    return reverse("portal:activity_restore", args=[activity.pk])


def routing(snapshot):
    """The categories a restore must bring back, in a comparable order (a save keeps unchanged rows first)."""
    found = {code: sorted(entries, key=repr) for code, entries in routing_of(snapshot).items()}
    found.update({key: snapshot.get(key) for key in ("operator", "technical_non_emergency", "support_hours")})
    return found


def without_version(snapshot):
    return {key: value for key, value in snapshot.items() if key != "version"}


@pytest.fixture
def changed(complete_partner, admin_user):
    """The partner after an Admin replaced its emergency contact and its shared contact: the entry to undo."""
    return save(
        signed_in(admin_user),
        complete_partner,
        technical_emergency=("new-oncall@acme.example",),
        shared={"email": "support@acme.example", "phone": "+34 612 34 56 78"},
    )


def test_the_activity_page_offers_admins_a_restore_and_anchors_each_entry(changed, admin_user, editor):
    page = signed_in(admin_user).get(ACTIVITY).content.decode()
    assert f'id="activity-{changed.pk}"' in page
    assert f'href="{restore_url(changed)}"' in page
    assert restore_url(changed) not in signed_in(editor).get(ACTIVITY).content.decode()


def test_an_admin_restores_the_version_before_a_change(changed, complete_partner, admin_user):
    client = signed_in(admin_user)
    info = contact_information_for(complete_partner)
    version = info.version
    page = client.get(restore_url(changed))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<ins>technical_emergency0@acme.example</ins>" in body and "<del>new-oncall@acme.example</del>" in body
    assert f'name="version" value="{version}"' in body
    OutgoingEmail.objects.all().delete()

    response = client.post(restore_url(changed), {"confirmed": "1", "version": str(version)})

    info.refresh_from_db()
    assert info.version == version + 1
    assert routing(info.as_dict()) == routing(without_version(changed.before))
    restore = Activity.objects.filter(partner=complete_partner, action=Activity.Action.CONTACTS_UPDATED).first()
    assert restore.pk != changed.pk and restore.actor == admin_user
    assert restore.before["version"] == version and restore.after["version"] == version + 1
    assert response.status_code == 302 and response["Location"] == f"{ACTIVITY}#activity-{restore.pk}"
    # A routing change like any other: the Admin and the replaced addresses are told.
    told = {email.to for email in OutgoingEmail.objects.filter(body__contains=f"#activity-{restore.pk}")}
    assert told == {admin_user.email, "new-oncall@acme.example", "support@acme.example"}
    # The log says it was a restore, and links the change it undid.
    assert restore.after["restored_from"] == changed.pk
    entry = html_element(client.get(ACTIVITY).content.decode(), "li", id=f"activity-{restore.pk}")
    assert f'href="#activity-{changed.pk}"' in str(entry) and "restored the version before" in str(entry)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_cannot_restore(changed, complete_partner, role):
    client = signed_in(make_member(complete_partner, role))
    version = contact_information_for(complete_partner).version
    assert client.get(restore_url(changed)).status_code == 403
    assert client.post(restore_url(changed), {"confirmed": "1", "version": str(version)}).status_code == 403
    assert contact_information_for(complete_partner).version == version


def test_a_stale_confirmation_is_a_conflict_and_restores_nothing(changed, complete_partner, admin_user):
    client = signed_in(admin_user)
    shown = contact_information_for(complete_partner).version
    save(client, complete_partner, technical_emergency=("third@acme.example",))  # a colleague saves meanwhile
    current = contact_information_for(complete_partner)
    stored = current.as_dict()

    response = client.post(restore_url(changed), {"confirmed": "1", "version": str(shown)})

    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved the contact information" in body
    assert "<ins>third@acme.example</ins>" in body  # what the colleague changed
    assert f'name="version" value="{current.version}"' in body  # confirming again is a knowing choice
    current.refresh_from_db()
    assert current.version == shown + 1 and current.as_dict() == stored


def test_a_missing_version_restores_nothing(changed, complete_partner, admin_user):
    version = contact_information_for(complete_partner).version
    assert signed_in(admin_user).post(restore_url(changed), {"confirmed": "1"}).status_code == 409
    assert contact_information_for(complete_partner).version == version


def test_another_partners_entry_is_not_found(changed, admin_user):
    other = make_partner()
    complete_contacts(other)
    theirs = Activity.objects.create(
        partner=other, action=Activity.Action.CONTACTS_UPDATED, before=changed.before, after=changed.after
    )
    client = signed_in(admin_user)
    assert client.get(restore_url(theirs)).status_code == 404
    assert client.post(restore_url(theirs), {"confirmed": "1", "version": "0"}).status_code == 404


def test_an_entry_that_is_no_contact_change_is_not_found(complete_partner, admin_user):
    entry = Activity.objects.create(partner=complete_partner, action=Activity.Action.MEMBER_ADDED, before={"a": 1})
    assert signed_in(admin_user).get(restore_url(entry)).status_code == 404


def test_a_version_no_longer_valid_is_refused_clearly_and_nothing_is_saved(complete_partner, admin_user):
    leaver = make_member(complete_partner, Role.EDITOR, email="leaver@acme.example")
    client = signed_in(admin_user, Environment.PRODUCTION)
    save(client, complete_partner, alerts=[leaver.pk])
    entry = save(client, complete_partner, alerts=[admin_user.pk])  # its "before" has the leaver as alert contact
    membership_remove(membership=leaver.memberships.get(), actor=admin_user)
    info = contact_information_for(complete_partner)
    version, stored = info.version, info.as_dict()
    entries = Activity.objects.count()

    response = client.post(restore_url(entry), {"confirmed": "1", "version": str(version)})

    assert response.status_code == 422
    body = response.content.decode()
    assert "This version cannot be restored as it is" in body
    assert "leaver@acme.example is no longer a user of this account" in body
    assert "Restore this version</button>" not in body
    info.refresh_from_db()
    assert info.version == version and info.as_dict() == stored and Activity.objects.count() == entries


def test_a_version_recorded_as_text_is_refused(complete_partner, admin_user):
    old = Activity.objects.create(
        partner=complete_partner,
        action=Activity.Action.CONTACTS_UPDATED,
        before={"technical_emergency": ["Ana <ana@acme.example>"]},
        after={"technical_emergency": ["Bob <bob@acme.example>"]},
    )
    with pytest.raises(RestoreRefused):
        contact_information_restore(activity=old, actor=admin_user, version=0)
    page = signed_in(admin_user).get(restore_url(old)).content.decode()
    assert "This version cannot be restored" in page and "Restore this version</button>" not in page


def test_restoring_the_current_version_offers_nothing_to_confirm(changed, complete_partner, admin_user):
    client = signed_in(admin_user)
    save(client, complete_partner)  # puts back what `changed` replaced
    body = client.get(restore_url(changed)).content.decode()
    assert "restoring would change nothing" in body and "Restore this version</button>" not in body


def test_the_restore_data_is_what_the_form_posts(complete_partner):
    info = contact_information_for(complete_partner)
    data = restore_data(info.as_dict(), version=info.version)
    assert data["technical_emergency-TOTAL_FORMS"] == "1"
    assert data["technical_emergency-0-email"] == "technical_emergency0@acme.example"
    assert data.getlist("support_hours-0-days") == ["0", "1", "2", "3", "4"]
    assert data["shared-email"] == "shared0@acme.example"
