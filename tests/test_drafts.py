"""Nothing typed is ever lost: the contact form kept as a server-side draft, restored, discarded and expired."""

from datetime import timedelta
from io import StringIO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from pytest_django.asserts import assertContains, assertNotContains

from contacts.drafts import draft_for, draft_save, drafts_purge
from contacts.models import ContactDraft, ContactInformation
from contacts.services import membership_remove
from partners.environments import Environment
from partners.models import Role
from tests.form_values import posted_values as browser_values
from tests.helpers import (
    complete_contacts,
    contact_form_data,
    html_element,
    html_elements,
    make_member,
    posted_values,
    signed_in,
)

EDIT = reverse("contacts:edit")
MODAL = reverse("contacts:onboarding")
DRAFT = reverse("contacts:draft")
DISCARD = reverse("contacts:draft_discard")
SWITCH = reverse("contacts:draft_switch")
NOTICE = "Your unsaved changes from"


def membership_of(user):
    return user.memberships.get()


def typed(client, url=EDIT, **changes):
    """The form of `url` as a browser would post it back (every select posts one option), with some fields
    changed."""
    data = browser_values(client.get(url).content.decode())
    data.update(changes)
    return data


def shown_value(response, name):
    """The value of the text input `name` on a rendered page."""
    return dict(html_element(response.content.decode(), "input", name=name).attributes).get("value")


def alert_ids_shown(response):
    """The alert contacts ticked on a rendered page."""
    boxes = html_elements(response.content.decode(), "input", type="checkbox", name="general-alert_contacts")
    return {int(dict(box.attributes)["value"]) for box in boxes if "checked" in dict(box.attributes)}


# --- The services ------------------------------------------------------------------------------------------


def test_a_draft_keeps_the_form_as_posted_without_token_next_or_buttons(partner, admin_user):
    data = contact_form_data()
    data.update({"csrfmiddlewaretoken": "t", "next": "/x/", "add_row": "operator", "switch_language": "es"})
    draft = draft_save(membership=membership_of(admin_user), data=data, version=0, environment="sandbox")
    assert draft.data["operator-0-email"] == ["ops@acme.example"]
    assert draft.data["support_hours-0-days"] == ["0", "1", "2", "3", "4"]  # every value of a list
    assert not {"csrfmiddlewaretoken", "next", "add_row", "switch_language", "general-version"} & set(draft.data)
    assert (draft.version, draft.environment) == (0, "sandbox")


def test_a_draft_older_than_30_days_is_gone(partner, admin_user):
    membership = membership_of(admin_user)
    draft = draft_save(membership=membership, data=contact_form_data(), version=0, environment="sandbox")
    assert draft_for(membership) == draft
    ContactDraft.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(days=31))
    assert draft_for(membership) is None
    assert not ContactDraft.objects.exists()  # deleted, not merely hidden


def test_the_sweep_purges_expired_drafts_only(partner, admin_user, editor):
    old = draft_save(membership=membership_of(admin_user), data={}, version=0, environment="sandbox")
    recent = draft_save(membership=membership_of(editor), data={}, version=0, environment="sandbox")
    ContactDraft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=30, minutes=1))
    ContactDraft.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - timedelta(days=29))
    out = StringIO()
    call_command("sweep", stdout=out)
    assert list(ContactDraft.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Expired drafts deleted: 1." in out.getvalue()
    assert drafts_purge() == 0


def test_a_draft_goes_when_the_member_leaves(complete_partner, admin_user, editor):
    membership = membership_of(editor)
    draft_save(membership=membership, data=contact_form_data(), version=0, environment="sandbox")
    membership_remove(membership=membership, actor=admin_user)
    assert not ContactDraft.objects.exists()


# --- Kept while typing, restored on the next visit ------------------------------------------------------------


def test_typing_is_kept_and_restored_with_a_notice_and_a_discard_button(complete_partner, admin_user):
    client = signed_in(admin_user)
    response = client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk"}))
    assert response.status_code == 200 and response.json() == {"saved": True}

    page = client.get(EDIT)
    assert shown_value(page, "operator-0-name") == "Night desk"
    assertContains(page, NOTICE)
    assertContains(page, "are restored.")
    html = page.content.decode()
    html_element(html, "form", action=f"{DISCARD}?back={EDIT}", id="draft-discard")
    assert "Discard draft" in str(html_element(html, "button", form="draft-discard"))
    assertNotContains(page, "errorlist")  # restored unjudged


def test_a_form_equal_to_what_is_stored_is_no_draft(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk"}))
    assert ContactDraft.objects.exists()
    page = client.get(EDIT)
    assert client.post(DRAFT, typed(client, **{"operator-0-name": ""})).json() == {"saved": False}
    assert not ContactDraft.objects.exists()  # typed back to what is stored: nothing left to keep
    assertNotContains(client.get(EDIT), NOTICE)
    assert page.status_code == 200


def test_discarding_shows_the_stored_form_again(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.post(DRAFT, typed(client, **{"operator-0-email": "typed@acme.example"}))
    response = client.post(f"{DISCARD}?back={EDIT}")
    assert response.status_code == 302 and response["Location"] == EDIT
    assert not ContactDraft.objects.exists()
    page = client.get(EDIT)
    assert shown_value(page, "operator-0-email") == "operator0@acme.example"
    assertContains(page, "Draft discarded")
    assertNotContains(page, NOTICE)


def test_discard_goes_back_only_within_the_site(complete_partner, admin_user):
    response = signed_in(admin_user).post(f"{DISCARD}?back=https://evil.example/")
    assert response["Location"] == EDIT


def test_a_successful_save_deletes_the_draft(complete_partner, admin_user):
    client = signed_in(admin_user)
    data = typed(client, **{"operator-0-name": "Night desk"})
    client.post(DRAFT, data)
    assert client.post(EDIT, data).status_code == 302
    assert not ContactDraft.objects.exists()
    assertNotContains(client.get(EDIT), NOTICE)


def test_an_invalid_save_is_kept_as_a_draft_even_without_javascript(partner, admin_user):
    client = signed_in(admin_user)
    data = contact_form_data(operator=("not-an-email",))
    assert client.post(MODAL, data).status_code == 200  # errors shown
    # A visit to the Users tab (an invitation sent from it) brings the modal back by GET: the input is there.
    page = client.get(MODAL)
    assert shown_value(page, "operator-0-email") == "not-an-email"
    assertContains(page, NOTICE)


def test_add_another_row_is_kept_as_a_draft(complete_partner, admin_user):
    client = signed_in(admin_user)
    data = typed(client, **{"operator-0-name": "Night desk", "add_row": "operator"})
    page = client.post(EDIT, data)
    assert page.status_code == 200
    assert ContactDraft.objects.get().data["operator-TOTAL_FORMS"] == ["2"]
    assert "add_row" not in ContactDraft.objects.get().data


def test_viewers_keep_no_draft(complete_partner, viewer):
    client = signed_in(viewer)
    assert client.post(DRAFT, contact_form_data(operator=("typed@acme.example",))).status_code == 403
    assert client.post(SWITCH, {**contact_form_data(), "switch_language": "es"}).status_code == 302
    assert not ContactDraft.objects.exists()
    assert html_elements(client.get(EDIT).content.decode(), "div", data_draft=None) == []


def test_drafts_are_per_member(complete_partner, admin_user, editor):
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana.post(DRAFT, typed(ana, **{"operator-0-name": "Ana's"}))
    assert shown_value(eddie.get(EDIT), "operator-0-name") is None
    assert shown_value(ana.get(EDIT), "operator-0-name") == "Ana's"


# --- A draft based on an older version: the conflict panel, the draft kept ----------------------------------


def test_a_stale_draft_shows_the_changes_with_the_draft_rebased(complete_partner, admin_user, editor):
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana.post(DRAFT, typed(ana, **{"operator-0-name": "Ana's pick"}))
    eddie_data = typed(eddie, **{"operator-0-email": "eddie-choice@acme.example"})
    assert eddie.post(EDIT, eddie_data).status_code == 302

    page = ana.get(EDIT)
    assert page.status_code == 200
    assertContains(page, "Someone else saved the contact information while you were editing")
    assertContains(page, "eddie-choice@acme.example")  # what changed
    assert shown_value(page, "operator-0-name") == "Ana's pick"
    assert shown_value(page, "operator-0-email") == "operator0@acme.example"  # Ana's draft, kept
    retry = posted_values(page)
    assert retry["general-version"] == "1"  # rebased: saving again replaces Eddie's version knowingly
    assert ana.post(EDIT, retry).status_code == 302
    assert ContactInformation.objects.get(partner=complete_partner).contacts.get(category="operator").name == (
        "Ana's pick"
    )


def test_a_draft_up_to_date_shows_no_conflict(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk"}))
    page = client.get(EDIT)
    assertNotContains(page, "Someone else saved")
    assert posted_values(page)["general-version"] == "0"


# --- Environments: alert contacts are posted only in Production --------------------------------------------


@pytest.fixture
def production_partner(partner, admin_user, editor):
    """Complete in both environments, the Admin the one alert contact; the editor is another member."""
    complete_contacts(partner, alerts=[admin_user])
    return partner


def test_a_sandbox_draft_restored_in_production_keeps_the_stored_alert_contacts(production_partner, admin_user):
    sandbox = signed_in(admin_user, Environment.SANDBOX)
    data = typed(sandbox, **{"operator-0-name": "Night desk"})
    assert "general-alert_contacts" not in data  # not posted in Sandbox
    sandbox.post(DRAFT, data)
    assert ContactDraft.objects.get().environment == "sandbox"

    production = signed_in(admin_user, Environment.PRODUCTION)
    page = production.get(EDIT)
    assert shown_value(page, "operator-0-name") == "Night desk"
    assert alert_ids_shown(page) == {admin_user.pk}
    assert production.post(EDIT, posted_values(page)).status_code == 302
    assert list(ContactInformation.objects.get().alert_contacts.all()) == [admin_user]


def test_a_production_draft_restored_in_sandbox_shows_the_stored_alert_contacts(production_partner, admin_user, editor):
    production = signed_in(admin_user, Environment.PRODUCTION)
    production.post(DRAFT, typed(production, **{"general-alert_contacts": [str(editor.pk)]}))
    assert ContactDraft.objects.get().data["general-alert_contacts"] == [str(editor.pk)]

    sandbox = signed_in(admin_user, Environment.SANDBOX)
    page = sandbox.get(EDIT)
    assert alert_ids_shown(page) == {admin_user.pk}  # shown as stored: they cannot be chosen here
    sandbox.post(DRAFT, {**posted_values(page), "operator-0-name": "Night desk"})
    # Typing in Sandbox keeps the alert contacts chosen in Production, and they come back there.
    page = production.get(EDIT)
    assert alert_ids_shown(page) == {editor.pk}
    assert shown_value(page, "operator-0-name") == "Night desk"


# --- The switches carry the form, without JavaScript -------------------------------------------------------


def test_the_language_switch_keeps_the_form_and_switches(complete_partner, admin_user):
    client = signed_in(admin_user)
    data = typed(client, **{"operator-0-name": "Night desk", "switch_language": "es"})
    response = client.post(f"{SWITCH}?back={EDIT}", data)
    assert response.status_code == 302 and response["Location"] == EDIT
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    admin_user.refresh_from_db()
    assert admin_user.language == "es"  # the language of their emails too, as the header's switch does
    page = client.get(EDIT)
    assert page.headers["Content-Language"] == "es"
    assert shown_value(page, "operator-0-name") == "Night desk"


def test_the_environment_switch_keeps_the_form_and_switches(partner, admin_user):
    client = signed_in(admin_user)
    modal = f"{MODAL}?next=%2Fsettings%2Factivity%2F"
    data = typed(client, modal, **{"operator-0-email": "typed@acme.example", "switch_environment": "production"})
    response = client.post(f"{SWITCH}?{urlencode({'back': modal})}", data)
    assert response["Location"] == modal  # back to the modal, still leading to the page first asked for
    assert client.session["portal_environment"] == "production"
    draft = ContactDraft.objects.get()
    assert draft.environment == "sandbox"  # kept where it was typed, before the switch
    page = client.get(modal)
    assert shown_value(page, "operator-0-email") == "typed@acme.example"


def test_a_switch_refuses_a_foreign_back(partner, admin_user):
    client = signed_in(admin_user)
    response = client.post(f"{SWITCH}?back=//evil.example/", {**contact_form_data(), "switch_language": "es"})
    assert response["Location"] == EDIT


def test_an_unknown_language_or_environment_switches_nothing(partner, admin_user):
    client = signed_in(admin_user)
    data = {**contact_form_data(), "switch_language": "xx", "switch_environment": "staging"}
    response = client.post(f"{SWITCH}?back={EDIT}", data)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.session.get("portal_environment") is None


def switch_buttons(html, back):
    """The language and environment buttons of a page, checked to submit the contact form to the draft switch."""
    html_element(html, "form", id="contact-form")  # the form the switches name
    for name, value in (("switch_environment", "production"), ("switch_language", "es")):
        attributes = dict(html_element(html, "button", name=name, value=value).attributes)
        assert attributes["form"] == "contact-form"
        assert attributes["formaction"] == f"{SWITCH}?back={back}"


def test_the_switches_submit_the_contact_form_where_there_is_one(complete_partner, admin_user):
    client = signed_in(admin_user)
    switch_buttons(client.get(EDIT).content.decode(), EDIT)
    # Elsewhere, the switches are their own forms, as before.
    help_page = client.get(reverse("portal:help")).content.decode()
    assert html_elements(help_page, "button", name="switch_language", value="es") == []
    html_element(help_page, "button", name="language", value="es")


def test_the_modal_switches_come_back_to_the_modal(partner, admin_user):
    page = signed_in(admin_user).get(f"{MODAL}?next=/settings/activity/")
    back = f"{MODAL}?{urlencode({'next': '/settings/activity/'})}"  # the modal, still leading there
    switch_buttons(page.content.decode(), quote(back, safe="/"))


def test_enter_in_the_form_saves_rather_than_switching(complete_partner, admin_user):
    html = signed_in(admin_user).get(EDIT).content.decode()
    # The first submit button of the form in the page is the default one, pressed by Enter: a plain save.
    first = html.index('form="contact-form"')
    button = html[html.rindex("<button", 0, first) : html.index("</button>", first)]
    assert "formaction" not in button and "name=" not in button


# --- The no-JavaScript buttons that rearrange the form are not saves ------------------------------------------


def test_copy_rows_and_hours_presets_show_the_form_again_unjudged(partner, admin_user):
    client = signed_in(admin_user)
    data = contact_form_data(operator=("",), windows=[{"time_zone": "Europe/Madrid"}])
    data["copy_rows"] = "operator:technical_emergency"
    page = client.post(MODAL, data)
    assert page.status_code == 200 and not ContactInformation.objects.get().contacts.exists()
    assert shown_value(page, "operator-0-email") == "oncall@acme.example"

    data = posted_values(page)
    data["hours_preset"] = "weekdays"
    page = client.post(MODAL, data)
    assert shown_value(page, "support_hours-0-start") == "09:00"
    assert shown_value(page, "support_hours-0-time_zone") == "Europe/Madrid"
    assert posted_values(page)["support_hours-0-days"] == ["0", "1", "2", "3", "4"]
    assert not ContactInformation.objects.get().support_windows.exists()


def test_no_draft_on_a_one_section_page(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk"}))
    page = client.get(reverse("contacts:edit_section", args=["operator"]))
    assert page.status_code == 200
    assertNotContains(page, NOTICE)
    assert html_elements(page.content.decode(), "div", data_draft=None) == []
    assert shown_value(page, "operator-0-name") is None
    assert ContactDraft.objects.exists()  # still there for the full form


def test_an_editor_keeps_drafts_too(complete_partner, editor):
    client = signed_in(editor)
    assert client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk"})).json() == {"saved": True}
    assert ContactDraft.objects.get().membership.role == Role.EDITOR


def test_a_draft_of_another_partner_is_never_shown(complete_partner, admin_user):
    from tests.helpers import make_partner

    other = make_partner()
    stranger = make_member(other, Role.ADMIN)
    complete_contacts(other)
    client = signed_in(stranger)
    signed_in(admin_user).post(DRAFT, typed(signed_in(admin_user), **{"operator-0-name": "Secret"}))
    assertNotContains(client.get(EDIT), "Secret")


def test_a_switch_pressed_without_typing_keeps_no_draft(complete_partner, admin_user):
    client = signed_in(admin_user, Environment.PRODUCTION)
    for url in (EDIT, reverse("contacts:settings")):
        assert client.get(url).status_code == 200
    data = typed(client, switch_environment="sandbox")
    assert client.post(f"{SWITCH}?back={EDIT}", data).status_code == 302
    assert not ContactDraft.objects.exists()
    assertNotContains(client.get(EDIT), NOTICE)


def test_what_a_browser_posts_is_read_from_the_form_as_drawn():
    html = """<form data-contact-form>
      <input name="a" value="x &amp; y"><input name="b" type="checkbox" value="1" checked>
      <input name="b" type="checkbox" value="2"><input name="c" disabled value="no"><input type="submit" name="s">
      <select name="d"><option value="">–</option><option value="es">Spanish</option></select>
      <select name="e"><option value="1">One</option><option value="2" selected>Two</option></select>
      <select name="f" multiple><option value="1" selected>One</option><option selected>Two</option></select>
      <textarea name="g">
typed</textarea><template><input name="h" value="row"></template>
      <datalist id="l"><option value="not posted"></option></datalist>
    </form><form><input name="other" value="not ours"></form>"""
    assert browser_values(html) == {
        "a": ["x & y"],
        "b": ["1"],
        "d": [""],
        "e": ["2"],
        "f": ["1", "Two"],
        "g": ["typed"],
    }


# --- Found in review: nothing chosen in Production is lost in Sandbox; section saves; size -------------------


def test_alert_contacts_chosen_in_production_survive_a_trip_to_sandbox_without_typing(
    production_partner, admin_user, editor
):
    production = signed_in(admin_user, Environment.PRODUCTION)
    production.post(DRAFT, typed(production, **{"general-alert_contacts": [str(admin_user.pk), str(editor.pk)]}))
    sandbox = signed_in(admin_user, Environment.SANDBOX)
    # In Sandbox nothing else is typed: the switch, an added row and an autosave all keep the draft.
    sandbox.post(f"{SWITCH}?back={EDIT}", typed(sandbox, switch_environment="production"))
    sandbox.post(EDIT, {**typed(sandbox), "add_row": "operator"})
    assert sandbox.post(DRAFT, typed(sandbox)).json() == {"saved": True}
    assert alert_ids_shown(production.get(EDIT)) == {admin_user.pk, editor.pk}


def test_a_sandbox_save_keeps_the_alert_contacts_chosen_in_production_as_a_draft(
    production_partner, admin_user, editor
):
    production = signed_in(admin_user, Environment.PRODUCTION)
    production.post(DRAFT, typed(production, **{"general-alert_contacts": [str(editor.pk)]}))
    sandbox = signed_in(admin_user, Environment.SANDBOX)
    assert sandbox.post(EDIT, typed(sandbox, **{"operator-0-name": "Night desk"})).status_code == 302
    info = ContactInformation.objects.get()
    assert info.contacts.get(category="operator").name == "Night desk"
    page = production.get(EDIT)
    assert alert_ids_shown(page) == {editor.pk}  # still to be saved, in Production
    assertNotContains(page, "Someone else saved")  # the draft moved to the version just saved
    assert shown_value(page, "operator-0-name") == "Night desk"


def test_a_section_saved_on_its_own_page_is_not_brought_back_by_the_full_form_draft(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk", "technical_emergency-0-name": "Pager"}))
    section = reverse("contacts:edit_section", args=["operator"])
    data = typed(client, section, **{"operator-0-name": "Escalations"})
    assert client.post(section, data).status_code == 302
    page = client.get(EDIT)
    assertNotContains(page, "Someone else saved")
    assert shown_value(page, "operator-0-name") == "Escalations"  # the saved value, not the draft's old one
    assert shown_value(page, "technical_emergency-0-name") == "Pager"  # the rest of the draft is kept


def test_a_section_save_that_was_the_whole_draft_leaves_no_draft(complete_partner, admin_user):
    client = signed_in(admin_user)
    client.post(DRAFT, typed(client, **{"operator-0-name": "Night desk"}))
    section = reverse("contacts:edit_section", args=["operator"])
    assert client.post(section, typed(client, section, **{"operator-0-name": "Night desk"})).status_code == 302
    assert not ContactDraft.objects.exists()


def test_a_draft_holds_only_the_form_fields_within_bounds(complete_partner, admin_user):
    client = signed_in(admin_user)
    junk = {f"junk{i}": "x" * 100 for i in range(50)}
    assert client.post(DRAFT, typed(client, **{"operator-0-name": "N" * 5000}, **junk)).json() == {"saved": True}
    data = ContactDraft.objects.get().data
    assert not any(name.startswith("junk") for name in data)
    assert len(data["operator-0-name"][0]) == 1000
    client.post(DRAFT, typed(client, **{"operator-0-name": "Night\x00desk"}))  # PostgreSQL's JSON refuses NUL
    assert ContactDraft.objects.get().data["operator-0-name"] == ["Nightdesk"]
    huge = {f"operator-{i}-name": "x" * 1000 for i in range(100)}
    assert client.post(DRAFT, typed(client, **huge)).json() == {"saved": False}


def test_a_draft_restored_after_a_colleague_completed_the_rest_keeps_their_work(partner, admin_user, editor):
    # Found walking the hand-off: Ana typed one address in the empty form and left; Eddie then completed it all.
    ana, eddie = signed_in(admin_user), signed_in(editor)
    ana.post(DRAFT, typed(ana, MODAL, **{"technical_emergency-0-email": "pager@acme.example"}))
    assert {name.split("-")[0] for name in ContactDraft.objects.get().data} == {"technical_emergency"}
    assert eddie.post(MODAL, contact_form_data()).status_code == 302  # the gate: Eddie completes it in the modal

    page = ana.get(EDIT)
    assertContains(page, "Someone else saved the contact information while you were editing")
    assert shown_value(page, "technical_emergency-0-email") == "pager@acme.example"  # Ana's draft
    assert shown_value(page, "operator-0-email") == "ops@acme.example"  # Eddie's, not blanked by the draft
    assert ana.post(EDIT, posted_values(page)).status_code == 302  # nothing missing: nothing undone
    info = ContactInformation.objects.get(partner=partner)
    assert info.contacts.get(category="technical_emergency").email == "pager@acme.example"
    assert info.contacts.filter(category="operator").exists()


def test_the_membership_says_whether_its_member_has_a_draft(complete_partner, admin_user, django_assert_num_queries):
    from contacts.drafts import draft_discard

    membership = complete_partner.memberships.get(user=admin_user)
    with django_assert_num_queries(0):
        assert draft_for(membership) is None  # nothing recorded: nothing to look for
    client = signed_in(admin_user)
    draft = typed(client, **{"operator-0-email": "typed@acme.example"})
    assert client.post(reverse("contacts:draft"), draft).json() == {"saved": True}
    membership.refresh_from_db()
    assert membership.draft_saved_at == ContactDraft.objects.get().updated_at
    assert draft_for(membership) is not None
    draft_discard(membership=membership)
    membership.refresh_from_db()
    assert membership.draft_saved_at is None and not ContactDraft.objects.exists()
    client.post(reverse("contacts:draft"), draft)
    drafts_purge(now=timezone.now() + timedelta(days=31))
    membership.refresh_from_db()
    assert membership.draft_saved_at is None and not ContactDraft.objects.exists()


def test_a_draft_deleted_by_an_operator_clears_the_record(complete_partner, admin_user):
    membership = complete_partner.memberships.get(user=admin_user)
    client = signed_in(admin_user)
    client.post(reverse("contacts:draft"), typed(client, **{"operator-0-email": "typed@acme.example"}))
    ContactDraft.objects.all().delete()  # as the admin would, past contacts.drafts
    membership.refresh_from_db()
    assert draft_for(membership) is None
    membership.refresh_from_db()
    assert membership.draft_saved_at is None  # the next page asks no more
