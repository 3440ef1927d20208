"""Settings › Contact information as a summary: what each section holds, its state, its last change, "Still correct",
and one section's edit page (its checks, its conflicts)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.categories import CATEGORIES
from contacts.models import Contact, ContactInformation
from contacts.services import (
    CONTACTS_REVIEWED,
    ContactInformationConflict,
    contact_information_for,
    contact_information_review,
)
from contacts.summary import HISTORY_SCAN, contact_summary, last_changes
from partners.environments import Environment
from partners.models import Activity, Role
from partners.services import activity_record
from tests.helpers import complete_contacts, html_elements, make_member, make_partner, posted_values, signed_in

SUMMARY = reverse("contacts:settings")
FULL_FORM = reverse("contacts:edit")


def section_url(code):
    return reverse("contacts:edit_section", kwargs={"category": code})


def card(page, code):
    """The HTML of one category's card on the summary."""
    start = page.index(f'id="category-{code}"')
    end = page.find("</section>", start)
    return page[start:end]


def record_save(partner, actor, before, after):
    """A recorded save of the contact information, as contact_information_save records it."""
    return activity_record(
        partner=partner, actor=actor, action=Activity.Action.CONTACTS_UPDATED, before=before, after=after
    )


# --- The summary -------------------------------------------------------------------------------------------


def test_the_summary_shows_who_is_in_each_category(complete_partner, admin_user):
    info = ContactInformation.objects.get(partner=complete_partner)
    info.contacts.filter(category="operator").update(name="Olga Ops", phone="+34612345678")
    page = signed_in(admin_user, Environment.PRODUCTION).get(SUMMARY).content.decode()
    for category in CATEGORIES:
        assert f'id="{category.anchor}"' in page
    operator = card(page, "operator")
    assert "Olga Ops" in operator and "operator0@acme.example" in operator
    assert "+34 612 34 56 78" in operator  # international format
    assert admin_user.get_full_name() in card(page, "alert")  # alert contacts as member names
    hours = card(page, "support_hours")
    assert "Monday–Friday" in hours and "09:00–17:00" in hours and "Europe/Madrid" in hours
    assert "<form" not in page[page.index('class="summary-sections"') :]  # read-only: no field to type in


def test_the_summary_says_24_7_and_hides_merchant_issues_where_not_needed(db):
    partner = make_partner(integration="appointments")
    info = complete_contacts(partner)
    info.support_windows.all().delete()
    info.support_24_7 = True
    info.save()
    page = signed_in(partner.memberships.get().user).get(SUMMARY).content.decode()
    assert 'id="category-merchant_issues"' not in page
    assert "24/7" in card(page, "support_hours")


def test_each_section_says_required_and_whether_it_is_complete_here(complete_partner, admin_user):
    sandbox = signed_in(admin_user).get(SUMMARY).content.decode()
    assert "Required in Production" in card(sandbox, "alert")
    assert "Required" in card(sandbox, "operator") and "Complete in Sandbox" in card(sandbox, "operator")
    production = signed_in(admin_user, Environment.PRODUCTION).get(SUMMARY).content.decode()
    assert "Complete in Production" in card(production, "alert")
    assert "7 of 7 complete in Production" in production


def test_completeness_judges_each_section_of_the_summary(partner, admin_user):
    complete_contacts(partner)  # no alert contacts: complete in Sandbox only
    sandbox = {s.category.code: s for s in contact_summary(partner=partner, environment="sandbox").sections}
    production = {s.category.code: s for s in contact_summary(partner=partner, environment="production").sections}
    assert sandbox["alert"].state == "empty" and str(sandbox["alert"].state_label) == "Not needed in Sandbox"
    assert production["alert"].state == "missing"
    assert [r.code for r in production["alert"].missing] == ["alert_contacts_required"]
    assert all(s.is_complete for code, s in production.items() if code != "alert")


def test_each_section_says_when_and_by_whom_it_last_changed(complete_partner, admin_user, editor):
    info = ContactInformation.objects.get(partner=complete_partner)
    first = info.as_dict()
    second = {**first, "operator": [{"email": "new-ops@acme.example"}]}
    third = {**second, "shared": [{"email": "help2@acme.example"}]}
    older = record_save(complete_partner, admin_user, first, second)
    Activity.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    record_save(complete_partner, editor, second, third)
    page = signed_in(admin_user).get(SUMMARY).content.decode()
    assert f"Last changed by {admin_user.get_full_name()}" in card(page, "operator")
    assert f"Last changed by {editor.get_full_name()}" in card(page, "shared")
    assert "No recent change recorded." in card(page, "technical_emergency")


def test_the_last_change_is_found_among_a_bounded_number_of_saves_in_one_query(complete_partner, admin_user):
    snapshot = ContactInformation.objects.get(partner=complete_partner).as_dict()
    changed = {**snapshot, "operator": [{"email": "old-change@acme.example"}]}
    record_save(complete_partner, admin_user, snapshot, changed)
    for _ in range(HISTORY_SCAN):
        record_save(complete_partner, admin_user, changed, changed)  # saves that changed nothing
    codes = [category.code for category in CATEGORIES]
    with CaptureQueriesContext(connection) as queries:
        assert last_changes(complete_partner, codes) == {}  # the old change is beyond the scan
    assert len(queries) == 1
    assert set(last_changes(complete_partner, codes, limit=HISTORY_SCAN + 1)) == {"operator"}


def test_the_summary_costs_the_same_queries_however_much_it_holds(db):
    counts = []
    for size in (1, 10):
        partner = make_partner()
        members = [make_member(partner, Role.EDITOR) for _ in range(size)]
        info = complete_contacts(partner, alerts=members, per_category=size)
        for _ in range(size):
            record_save(partner, members[0], {"operator": []}, info.as_dict())
        client = signed_in(members[0], Environment.PRODUCTION)
        client.get(SUMMARY)  # the first visit stores the current partner in the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SUMMARY).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_editors_get_edit_links_and_the_full_form(complete_partner, editor):
    page = signed_in(editor).get(SUMMARY).content.decode()
    for code in ("technical_emergency", "support_hours", "alert"):
        assert html_elements(page, "a", href=section_url(code))
    assert html_elements(page, "a", href=FULL_FORM)
    assert html_elements(page, "form", action=reverse("contacts:review"))


def test_viewers_see_the_summary_without_edit_controls(complete_partner, viewer):
    response = signed_in(viewer).get(SUMMARY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "operator0@acme.example" in page
    assert section_url("operator") not in page and FULL_FORM not in page
    assert reverse("contacts:review") not in page and "Still correct" not in page


def test_the_nav_leads_to_the_summary_and_marks_every_contact_page_current(complete_partner, admin_user):
    client = signed_in(admin_user)
    for url in (SUMMARY, FULL_FORM, section_url("operator")):
        page = client.get(url).content.decode()
        current = html_elements(page, "a", aria_current="page")
        assert [dict(link.attributes)["href"] for link in current] == [SUMMARY], url


# --- Still correct ----------------------------------------------------------------------------------------------


def test_still_correct_records_who_reviewed_and_when(complete_partner, editor):
    client = signed_in(editor)
    assert "Not reviewed yet." in client.get(SUMMARY).content.decode()
    response = client.post(reverse("contacts:review"), {"version": "0"})
    assert response.status_code == 302 and response["Location"] == SUMMARY
    info = ContactInformation.objects.get(partner=complete_partner)
    assert info.reviewed_by == editor and info.reviewed_at is not None and info.version == 0
    entry = Activity.objects.get(partner=complete_partner, action=CONTACTS_REVIEWED)
    assert entry.actor == editor and entry.after == {"version": 0}
    page = client.get(SUMMARY).content.decode()
    assert f"Last reviewed by {editor.get_full_name()} on" in page
    assert "recorded as still correct" in page  # the message


def test_a_review_of_a_version_someone_since_replaced_is_refused(complete_partner, admin_user):
    client = signed_in(admin_user)
    ContactInformation.objects.filter(partner=complete_partner).update(version=3)
    response = client.post(reverse("contacts:review"), {"version": "2"}, follow=True)
    assert "changed since you opened this page" in response.content.decode()
    assert ContactInformation.objects.get(partner=complete_partner).reviewed_at is None
    assert not Activity.objects.filter(partner=complete_partner, action=CONTACTS_REVIEWED).exists()


def test_the_review_service_refuses_a_stale_version(complete_partner, admin_user):
    info = contact_information_for(complete_partner)
    ContactInformation.objects.filter(pk=info.pk).update(version=1)
    with pytest.raises(ContactInformationConflict):
        contact_information_review(info=info, actor=admin_user)
    info.refresh_from_db()
    assert info.reviewed_at is None


def test_a_later_save_counts_as_the_last_review(complete_partner, admin_user, editor):
    now = timezone.now()
    ContactInformation.objects.filter(partner=complete_partner).update(
        reviewed_at=now - timedelta(days=10), reviewed_by=admin_user, updated_at=now, updated_by=editor
    )
    page = signed_in(admin_user).get(SUMMARY).content.decode()
    assert f"Last reviewed by {editor.get_full_name()} on" in page


def test_viewers_cannot_review(complete_partner, viewer):
    client = signed_in(viewer)
    assert client.post(reverse("contacts:review"), {"version": "0"}).status_code == 403
    assert client.get(reverse("contacts:review")).status_code == 405
    assert ContactInformation.objects.get(partner=complete_partner).reviewed_at is None


# --- One section's edit page -------------------------------------------------------------------------------------


def test_a_section_page_holds_that_section_alone_with_save_and_cancel(complete_partner, admin_user):
    page = signed_in(admin_user).get(section_url("operator")).content.decode()
    assert 'id="category-operator"' in page and 'name="operator-0-email"' in page
    for other in ("technical_emergency", "shared", "support_hours", "alert"):
        assert f'id="category-{other}"' not in page
    assert html_elements(page, "a", href=f"{SUMMARY}#category-operator", class_="button button-quiet")
    assert ">Save</button>" in page


@pytest.mark.parametrize("code", ["nothing", "CATEGORY-operator", "alert_contacts"])
def test_an_unknown_section_is_not_found(complete_partner, admin_user, code):
    assert signed_in(admin_user).get(section_url(code)).status_code == 404


def test_a_section_the_integration_does_not_show_is_not_found(db):
    partner = make_partner(integration="appointments")
    complete_contacts(partner)
    client = signed_in(partner.memberships.get().user)
    assert client.get(section_url("merchant_issues")).status_code == 404
    assert client.post(section_url("merchant_issues"), {}).status_code == 404


def test_viewers_cannot_open_a_section(complete_partner, viewer):
    assert signed_in(viewer).get(section_url("operator")).status_code == 403
    assert signed_in(viewer).post(section_url("operator"), {}).status_code == 403


def test_saving_a_section_changes_it_alone_and_returns_to_the_summary(complete_partner, admin_user):
    client = signed_in(admin_user)
    info = ContactInformation.objects.get(partner=complete_partner)
    before = info.as_dict()
    data = posted_values(client.get(section_url("operator")))
    data["operator-0-email"] = "escalations@acme.example"
    response = client.post(section_url("operator"), data)
    assert response.status_code == 302
    assert response["Location"] == f"{SUMMARY}#category-operator"
    after = info.as_dict()
    assert after["operator"][0]["email"] == "escalations@acme.example"
    assert {k: v for k, v in after.items() if k != "operator"} == {k: v for k, v in before.items() if k != "operator"}
    page = client.get(SUMMARY).content.decode()
    assert "Contact information saved." in page
    assert f"Last changed by {admin_user.get_full_name()}" in card(page, "operator")


def test_a_section_save_shows_its_errors_and_keeps_the_input(complete_partner, admin_user):
    client = signed_in(admin_user)
    data = posted_values(client.get(section_url("operator")))
    data["operator-0-email"] = "not an address"
    response = client.post(section_url("operator"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "problem to fix" in body and 'value="not an address"' in body
    assert Contact.objects.get(category="operator").email == "operator0@acme.example"


def test_alert_contacts_in_sandbox_explain_and_offer_the_switch(complete_partner, admin_user):
    client = signed_in(admin_user)
    response = client.get(section_url("alert"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You are working in Sandbox." in page and "Switch to Production" in page
    switch = html_elements(page, "form", action=reverse("portal:switch_environment"))
    assert switch and 'name="environment" value="production"' in page
    assert f'name="next" value="{section_url("alert")}"' in page
    assert 'name="general-alert_contacts"' not in page  # nothing to save here
    # A post in Sandbox saves nothing either.
    client.post(section_url("alert"), {"general-version": "0"})
    assert ContactInformation.objects.get(partner=complete_partner).version == 0
    production = signed_in(admin_user, Environment.PRODUCTION).get(section_url("alert")).content.decode()
    assert "Switch to Production" not in production
    assert html_elements(production, "form", action=section_url("alert"))


def colleague_saves(client, code, email):
    """A colleague saves the full form with the first row of `code` changed."""
    data = posted_values(client.get(FULL_FORM))
    data[f"{code}-0-email"] = email
    assert client.post(FULL_FORM, data).status_code == 302


def test_a_conflict_says_the_colleague_also_changed_this_section(complete_partner, admin_user, editor):
    ana, eddie = signed_in(admin_user), signed_in(editor)
    data = posted_values(ana.get(section_url("operator")))
    colleague_saves(eddie, "operator", "eddie-ops@acme.example")
    data["operator-0-email"] = "ana-ops@acme.example"
    response = ana.post(section_url("operator"), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert f"{editor.get_full_name()} also changed Operational contact (for the operator)" in body
    assert "eddie-ops@acme.example" in body  # what they changed
    assert 'value="ana-ops@acme.example"' in body  # what Ana typed is kept
    assert Contact.objects.get(category="operator").email == "eddie-ops@acme.example"


def test_a_conflict_says_when_the_colleague_changed_other_sections_only(complete_partner, admin_user, editor):
    ana, eddie = signed_in(admin_user), signed_in(editor)
    data = posted_values(ana.get(section_url("operator")))
    colleague_saves(eddie, "technical_emergency", "eddie-pager@acme.example")
    data["operator-0-email"] = "ana-ops@acme.example"
    response = ana.post(section_url("operator"), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed other sections; Operational contact (for the operator) is unchanged by them" in body
    assert "Saving keeps their changes to the other sections." in body
    # Saving again keeps the colleague's change to the other section.
    assert ana.post(section_url("operator"), posted_values(response)).status_code == 302
    rows = Contact.objects.filter(category__in=["operator", "technical_emergency"])
    emails = dict(rows.values_list("category", "email"))
    assert emails == {"operator": "ana-ops@acme.example", "technical_emergency": "eddie-pager@acme.example"}


def test_alert_contacts_are_saved_from_their_section_in_production(complete_partner, admin_user, editor):
    client = signed_in(admin_user, Environment.PRODUCTION)
    data = posted_values(client.get(section_url("alert")))
    data["general-alert_contacts"] = [str(admin_user.pk), str(editor.pk)]
    response = client.post(section_url("alert"), data)
    assert response.status_code == 302 and response["Location"] == f"{SUMMARY}#category-alert"
    info = ContactInformation.objects.get(partner=complete_partner)
    assert set(info.alert_contacts.all()) == {admin_user, editor}
    assert editor.get_full_name() in card(client.get(SUMMARY).content.decode(), "alert")


def test_an_unsaved_draft_is_pointed_out_on_the_summary(complete_partner, admin_user):
    from contacts.drafts import draft_save

    client = signed_in(admin_user)
    assert "You have unsaved changes" not in client.get(SUMMARY).content.decode()
    membership = admin_user.memberships.get()
    data = {**posted_values(client.get(FULL_FORM)), "operator-0-email": "typed@acme.example"}
    draft_save(membership=membership, data=data, version=0, environment="sandbox")
    page = client.get(SUMMARY).content.decode()
    assert "You have unsaved changes to the contact information" in page
    assert html_elements(page, "a", href=FULL_FORM)
