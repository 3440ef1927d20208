"""Alert contacts chosen with a search: the chosen ones, a search over the members, a paged list without JavaScript,
a JSON endpoint for the combobox, and a constant number of queries whatever the number of members."""

import json

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from contacts.forms.members import PAGE_SIZE, SEARCH_BUTTON, SEARCH_FIELD
from contacts.models import ContactInformation
from partners.environments import Environment
from partners.models import Membership, Role
from tests.helpers import (
    admin_of,
    complete_contacts,
    contact_form_data,
    html_element,
    html_elements,
    make_member,
    make_partner,
    posted_values,
    signed_in,
)

URL = reverse("contacts:onboarding")  # the form while incomplete, and where it posts to (never gated)
SETTINGS = reverse("contacts:edit")  # the same form once complete
SEARCH = reverse("contacts:member_search")
ALERT = "general-alert_contacts"


def add_crowd(partner, count, *, prefix="member"):
    """`count` Viewers of `partner`, made at once: 'Member 007' <member007@crowd.example> and so on."""
    password = make_password(None)
    users = [
        User(email=f"{prefix}{i:03}@crowd{partner.pk}.example", name=f"{prefix.title()} {i:03}", password=password)
        for i in range(count)
    ]
    for user in users:
        user.clean()
    users = User.objects.bulk_create(users)
    Membership.objects.bulk_create(Membership(user=user, partner=partner, role=Role.VIEWER) for user in users)
    return users


def alert_boxes(response):
    """The alert contacts' checkboxes of a page: {member id: (checked, disabled)}."""
    page = response.content.decode()
    return {
        int(dict(box.attributes)["value"]): ("checked" in dict(box.attributes), "disabled" in dict(box.attributes))
        for box in html_elements(page, "input", type="checkbox", name=ALERT)
    }


def chosen_list(response):
    """The checkboxes of the chosen list alone: {member id: checked}."""
    chosen = str(html_element(response.content.decode(), "ul", **{"data-chosen-members": ""}))
    return {
        int(dict(box.attributes)["value"]): "checked" in dict(box.attributes) for box in html_elements(chosen, "input")
    }


def alert_errors(response):
    """The errors shown beside the alert contacts (the page as drawn: the context may hold other forms)."""
    assert response.status_code == 200
    picker = html_element(response.content.decode(), "div", id="id_general-alert_contacts")
    return [
        str(item.children[0])
        for list_ in html_elements(str(picker), "ul", class_="errorlist")
        for item in list_.children
    ]


@pytest.fixture
def crowded(partner):
    """The partner with 300 more members: too many to list."""
    add_crowd(partner, 300)
    return partner


@pytest.fixture
def production(admin_user):
    return signed_in(admin_user, Environment.PRODUCTION)


def search_post(client, term="", page=1, **data):
    """What a browser without JavaScript posts with "Search members" (or "Next"/"Previous")."""
    values = contact_form_data(**data)
    values.update({SEARCH_FIELD: term, SEARCH_BUTTON: str(page)})
    return client.post(URL, values)


# --- What the section shows ----------------------------------------------------------------------------------


def test_a_small_partner_sees_every_member_ticked_or_not(partner, admin_user, production):
    colleague = make_member(partner, Role.EDITOR, name="Eddie Editor")
    complete_contacts(partner, alerts=[colleague])
    response = production.get(SETTINGS)
    assert alert_boxes(response) == {admin_user.pk: (False, False), colleague.pk: (True, False)}
    assert not html_elements(response.content.decode(), "input", name=SEARCH_FIELD)  # nothing to search


def test_a_large_partner_sees_the_chosen_ones_and_a_search_not_every_member(crowded, admin_user, production):
    chosen = User.objects.get(email__startswith="member042@")
    complete_contacts(crowded, alerts=[admin_user, chosen])
    response = production.get(SETTINGS)
    page = response.content.decode()
    assert alert_boxes(response) == {admin_user.pk: (True, False), chosen.pk: (True, False)}
    assert chosen_list(response) == {admin_user.pk: True, chosen.pk: True}
    box = html_element(page, "input", name=SEARCH_FIELD)
    assert dict(box.attributes)["id"] == "id_general-member_search"
    assert html_element(page, "label", **{"for": "id_general-member_search"})
    button = dict(html_element(page, "button", name=SEARCH_BUTTON).attributes)
    assert button["value"] == "1" and "formnovalidate" in button
    search = dict(html_element(page, "div", **{"data-member-search": ""}).attributes)
    assert search["data-search-url"] == SEARCH


def test_nobody_chosen_yet_is_said_in_words(crowded, production):
    response = production.get(URL)
    assert alert_boxes(response) == {}
    assert "No alert contacts chosen yet." in response.content.decode()


def test_sandbox_shows_the_chosen_ones_read_only_and_no_search(crowded, admin_user):
    chosen = User.objects.get(email__startswith="member007@")
    complete_contacts(crowded, alerts=[chosen])
    client = signed_in(admin_user, Environment.SANDBOX)
    response = client.get(SETTINGS)
    assert alert_boxes(response) == {chosen.pk: (True, True)}
    assert not html_elements(response.content.decode(), "input", name=SEARCH_FIELD)
    # Even a search posted there shows nothing more: alert contacts are not chosen in Sandbox.
    response = search_post(client, "member")
    assert alert_boxes(response) == {chosen.pk: (True, True)}


def test_a_viewer_sees_the_chosen_ones_read_only(crowded, admin_user):
    complete_contacts(crowded, alerts=[admin_user])
    viewer = make_member(crowded, Role.VIEWER, name="Vera Viewer")
    response = signed_in(viewer, Environment.PRODUCTION).get(SETTINGS)
    assert alert_boxes(response) == {admin_user.pk: (True, True)}
    assert not html_elements(response.content.decode(), "input", name=SEARCH_FIELD)


# --- Searching without JavaScript ------------------------------------------------------------------------------


def test_search_members_shows_a_page_of_matches_and_loses_nothing_typed(crowded, admin_user, production):
    response = search_post(production, "MEMBER 1", technical_emergency=["typed@acme.example"], alerts=[admin_user.pk])
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is" not in page and "There are" not in page  # shown again unjudged, no error summary
    assert html_element(page, "input", name="technical_emergency-0-email").attributes.count(
        ("value", "typed@acme.example")
    )
    assert dict(html_element(page, "input", name=SEARCH_FIELD).attributes)["value"] == "MEMBER 1"
    boxes = alert_boxes(response)
    assert boxes.pop(admin_user.pk) == (True, False)
    expected = User.objects.filter(name__startswith="Member 1").order_by("name")[:PAGE_SIZE]
    assert sorted(boxes) == sorted(user.pk for user in expected)  # "Member 100" … "Member 119", any case
    assert all(state == (False, False) for state in boxes.values())
    assert "Members matching “MEMBER 1”" in page
    assert "1–20 of 100 members" in page
    next_button = html_element(page, "button", name=SEARCH_BUTTON, value="2")
    assert "Next" in str(next_button)
    assert not html_elements(page, "button", name=SEARCH_BUTTON, value="0")  # no "Previous" on page 1
    assert ContactInformation.objects.get(partner=crowded).version == 0  # nothing saved


def test_the_search_matches_email_addresses_too(crowded, production):
    make_member(crowded, Role.EDITOR, name="Zoe Zed", email="pager-duty@elsewhere.example")
    response = search_post(production, "PAGER-duty@")
    page = response.content.decode()
    assert len(alert_boxes(response)) == 1
    assert "Zoe Zed (pager-duty@elsewhere.example)" in page


def test_an_empty_search_pages_through_every_member(crowded, admin_user, production):
    response = search_post(production, "", page=16)  # 301 members: pages 1-15 hold 300
    page = response.content.decode()
    assert "All members" in page
    assert "301–301 of 301 members" in page
    assert html_element(page, "button", name=SEARCH_BUTTON, value="15")  # Previous
    assert not html_elements(page, "button", name=SEARCH_BUTTON, value="17")
    assert "Page 16 of 16" in page
    assert len(alert_boxes(response)) == 1
    # A page past the end shows the last one.
    assert "Page 16 of 16" in search_post(production, "", page=99).content.decode()


def test_no_match_is_said_in_words(crowded, production):
    response = search_post(production, "nobody-by-that-name")
    assert "No member matches “nobody-by-that-name”." in response.content.decode()
    assert alert_boxes(response) == {}


def test_members_ticked_on_a_page_are_kept_and_listed_as_chosen(crowded, admin_user, production):
    first = production.post(URL, {**contact_form_data(), SEARCH_FIELD: "member 00", SEARCH_BUTTON: "1"})
    data = posted_values(first)
    ticked = User.objects.get(email__startswith="member003@")
    data[ALERT] = [str(ticked.pk)]
    data[SEARCH_BUTTON] = "1"  # the user searches again, for someone else
    data[SEARCH_FIELD] = "member"
    again = production.post(URL, data)
    assert chosen_list(again) == {ticked.pk: True}
    # On the new page of matches, the chosen one is noted, not offered twice.
    assert alert_boxes(again)[ticked.pk] == (True, False)
    assert "Member 003 (member003@" in again.content.decode()
    assert f"Member 003 ({ticked.email}) · already chosen" in again.content.decode()

    data = posted_values(again)
    saved = production.post(URL, data)
    assert saved.status_code == 302
    assert list(ContactInformation.objects.get(partner=crowded).alert_contacts.all()) == [ticked]


def test_the_search_buttons_come_back_to_the_alert_contacts(crowded, production):
    page = search_post(production, "member").content.decode()
    for button in html_elements(page, "button", name=SEARCH_BUTTON):
        assert dict(button.attributes)["formaction"] == f"{URL}#category-alert"


# --- Validation is unchanged ---------------------------------------------------------------------------------


def test_only_members_of_this_partner_can_be_chosen(crowded, production):
    stranger = admin_of(make_partner())
    response = production.post(URL, contact_form_data(alerts=[stranger.pk]))
    assert alert_errors(response) == ["Choose alert contacts among the users of this account."]
    assert stranger.email not in response.content.decode()  # never shown, not even as a chosen one
    assert not ContactInformation.objects.get(partner=crowded).alert_contacts.exists()


def test_a_junk_id_is_refused_with_the_same_message(crowded, production):
    data = contact_form_data()
    data[ALERT] = ["1e3"]
    assert alert_errors(production.post(URL, data)) == ["Choose alert contacts among the users of this account."]


# --- Queries: constant, whatever the number of members ---------------------------------------------------------


def queries(client, method, *args):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(*args)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def member_queries(sql):
    """The queries that read users (members): each must be bounded (the chosen ones, or one page)."""
    return [q for q in sql if 'FROM "accounts_user"' in q and "partners_membership" in q]


def test_the_section_reads_a_constant_number_of_queries(partner, admin_user):
    small = make_partner()
    add_crowd(small, 25, prefix="few")  # already more than a page
    add_crowd(partner, 300)
    chosen = [admin_user, *User.objects.filter(email__startswith="member00")[:3]]
    complete_contacts(partner, alerts=chosen)
    complete_contacts(small, alerts=[admin_of(small), *User.objects.filter(email__startswith="few00")[:3]])
    large_client = signed_in(admin_user, Environment.PRODUCTION)
    small_client = signed_in(admin_of(small), Environment.PRODUCTION)
    for client in (large_client, small_client):
        client.get(SETTINGS)  # the first visit stores the current partner in the session

    large = queries(large_client, "get", SETTINGS)
    assert len(large) == len(queries(small_client, "get", SETTINGS))
    # One read of members: the chosen ones, and any page and one more, to know whether every member fits;
    # nothing in it reads or sorts every member.
    reads = member_queries(large)
    assert len(reads) == 1
    assert f"LIMIT {PAGE_SIZE + 1}" in reads[0]
    assert reads[0].count("ORDER BY") == 1

    search = {**contact_form_data(alerts=[user.pk for user in chosen]), SEARCH_FIELD: "0", SEARCH_BUTTON: "2"}
    large = queries(large_client, "post", URL, search)
    small_search = {**search, ALERT: [str(admin_of(small).pk)]}
    assert len(large) == len(queries(small_client, "post", URL, small_search))
    # Validation of the chosen ones aside: their labels, a count of the matches and one page of them.
    assert all("LIMIT" in q or " IN (" in q or "COUNT(" in q for q in member_queries(large))


# --- The JSON endpoint of the combobox --------------------------------------------------------------------------


def results(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_endpoint_finds_members_by_name_or_email_ignoring_case(crowded, production):
    eddie = make_member(crowded, Role.EDITOR, name="Eddie Editor", email="eddie@acme.example")
    answer = results(production.get(SEARCH, {"q": "EDDIE"}))
    assert answer == {
        "results": [
            {
                "id": eddie.pk,
                "name": "Eddie Editor",
                "email": "eddie@acme.example",
                "label": str(eddie.name) + " (eddie@acme.example)",
            }
        ],
        "more": False,
    }
    assert [r["id"] for r in results(production.get(SEARCH, {"q": "@ACME.ex"}))["results"]] == [eddie.pk]


def test_the_endpoint_returns_at_most_a_page_and_says_more_match(crowded, production):
    answer = results(production.get(SEARCH, {"q": "member"}))
    assert len(answer["results"]) == PAGE_SIZE and answer["more"] is True
    assert [r["name"] for r in answer["results"]] == [f"Member {i:03}" for i in range(PAGE_SIZE)]
    assert results(production.get(SEARCH, {"q": "member 29"}))["more"] is False


def test_the_endpoint_needs_a_character(crowded, production):
    assert results(production.get(SEARCH, {"q": "   "})) == {"results": [], "more": False}
    assert results(production.get(SEARCH)) == {"results": [], "more": False}


def test_the_endpoint_never_shows_another_partners_members(partner, production):
    other = make_partner()
    add_crowd(other, 3, prefix="theirs")
    make_member(other, Role.EDITOR, name="Shared Name", email="shared@other.example")
    assert results(production.get(SEARCH, {"q": "theirs"}))["results"] == []
    assert results(production.get(SEARCH, {"q": "shared"}))["results"] == []


def test_the_endpoint_is_for_editors_and_admins(partner, editor, viewer):
    assert results(signed_in(editor).get(SEARCH, {"q": "a"}))["results"]
    assert signed_in(viewer).get(SEARCH, {"q": "a"}).status_code == 403


def test_the_endpoint_needs_a_signed_in_member(client, partner, settings):
    response = client.get(SEARCH, {"q": "a"})
    assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_the_endpoint_answers_while_the_gate_holds(partner, admin_user):
    # The modal asks it before the contact information is complete: the gate must let it through.
    assert not partner.contacts_complete(Environment.PRODUCTION)
    response = signed_in(admin_user, Environment.PRODUCTION).get(SEARCH, {"q": "admin"}, HTTP_ACCEPT="application/json")
    assert [r["id"] for r in results(response)["results"]] == [admin_user.pk]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_endpoint_costs_the_same_for_30_or_300_members(partner, admin_user):
    small = make_partner()
    add_crowd(small, 30, prefix="few")
    add_crowd(partner, 300)
    counts = []
    for client in (signed_in(admin_user), signed_in(admin_of(small))):
        client.get(SEARCH, {"q": "m"})
        with CaptureQueriesContext(connection) as captured:
            assert len(results(client.get(SEARCH, {"q": "m"}))["results"]) == PAGE_SIZE
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_only_get_is_allowed(partner, production):
    assert production.post(SEARCH, {"q": "a"}).status_code == 405


def test_the_section_edited_alone_searches_too(crowded, admin_user, production):
    complete_contacts(crowded, alerts=[admin_user])
    url = reverse("contacts:edit_section", args=["alert"])
    data = posted_values(production.get(url))
    assert data[ALERT] == str(admin_user.pk)
    response = production.post(url, {**data, SEARCH_FIELD: "member 29", SEARCH_BUTTON: "1"})
    assert set(alert_boxes(response)) == {
        admin_user.pk,
        *User.objects.filter(name__startswith="Member 29").values_list("pk", flat=True),
    }
    ticked = User.objects.get(name="Member 291")
    assert (
        production.post(url, {**posted_values(response), ALERT: [str(admin_user.pk), str(ticked.pk)]}).status_code
        == 302
    )
    assert set(ContactInformation.objects.get(partner=crowded).alert_contacts.all()) == {admin_user, ticked}
