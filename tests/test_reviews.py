"""Reviews and deadlines end to end: the stored answer, the banner, the modal after the deadline, the daily command."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from contacts.completeness import GRACE_PERIOD, REVIEW, VERIFIED_SHARED, VERIFIED_TECHNICAL_EMERGENCY
from contacts.models import AddressVerification, ContactInformation
from contacts.reviews import contact_reviews_run
from contacts.services import contact_information_for, contact_status_refresh
from partners.environments import Environment
from partners.models import Partner
from tests.helpers import html_element, signed_in

DASHBOARD = reverse("portal:dashboard")
MODAL = reverse("contacts:onboarding")


def reviewed_days_ago(partner, days, now=None):
    """Backdate the last review (and save) of a complete partner, and store its answer as of `now`."""
    moment = (now or timezone.now()) - timedelta(days=days)
    ContactInformation.objects.filter(partner=partner).update(updated_at=moment, reviewed_at=None)
    contact_status_refresh(partner=partner, now=now)
    partner.refresh_from_db()
    return moment


def review_overdue(partner):
    """A review that became due 31 days ago (its deadline given then) and was never done: past due now."""
    reviewed_days_ago(partner, 370, now=timezone.now() - timedelta(days=31))
    contact_status_refresh(partner=partner)
    partner.refresh_from_db()


@pytest.fixture
def admin_client(complete_partner, admin_user):
    return signed_in(admin_user)


class TestTheYearlyReview:
    def test_eventually_due_shows_on_the_dashboard_only(self, complete_partner, admin_client):
        reviewed_days_ago(complete_partner, 340)
        assert complete_partner.eventually_due(Environment.SANDBOX) == (REVIEW,)
        response = admin_client.get(DASHBOARD)
        assert response.status_code == 200
        item = html_element(response.content.decode(), "li", **{"data-code": REVIEW})
        assert "Due soon" in str(item)
        assertNotContains(response, 'class="due-banner"')

    def test_currently_due_shows_a_banner_with_its_date_on_every_page_and_blocks_nothing(
        self, complete_partner, admin_client
    ):
        base = reviewed_days_ago(complete_partner, 370)
        deadline = base + timedelta(days=395)
        for url in (DASHBOARD, reverse("portal:activity"), reverse("contacts:settings")):
            response = admin_client.get(url)
            assert response.status_code == 200, url
            banner = str(html_element(response.content.decode(), "section", **{"class": "due-banner"}))
            assert timezone.localtime(deadline).strftime("%Y") in banner
            assert f'data-code="{REVIEW}"' in banner
            assert reverse("contacts:settings") in banner

    def test_the_banner_is_in_spanish_for_a_spanish_reader(self, complete_partner, admin_client):
        reviewed_days_ago(complete_partner, 370)
        admin_client.cookies["django_language"] = "es"
        response = admin_client.get(DASHBOARD, headers={"accept-language": "es"})
        banner = str(html_element(response.content.decode(), "section", **{"class": "due-banner"}))
        assert "Fecha límite" in banner or "antes del" in banner

    @pytest.mark.stale_status_ok  # the answer was stored before the deadline, as the command had not yet run
    def test_past_its_deadline_the_modal_returns_asking_for_the_review_alone_before_the_command_runs(
        self, complete_partner, admin_client
    ):
        stored_at = timezone.now() - timedelta(days=31)
        reviewed_days_ago(complete_partner, 370, now=stored_at)  # its deadline, given then, passed a day ago
        assert complete_partner.missing_production == []  # stored before the deadline
        response = admin_client.get(DASHBOARD)
        assert response.status_code == 302 and response["Location"].startswith(MODAL)
        modal = admin_client.get(response["Location"])
        assertContains(modal, "Review the contact information")
        assertContains(modal, 'data-code="contacts_review_required"')
        assert html_element(modal.content.decode(), "form", **{"class": "inline-form modal-review"})
        # "Check everything below": every category is open to check, none folded away.
        assert html_element(modal.content.decode(), "fieldset", id="category-technical_emergency")
        assert 'class="settled"' not in modal.content.decode()

    def test_still_correct_from_the_modal_unlocks_and_returns_to_the_page(self, complete_partner, admin_client):
        review_overdue(complete_partner)
        assert REVIEW in complete_partner.missing_sandbox
        info = contact_information_for(complete_partner)
        response = admin_client.post(
            reverse("contacts:review"), {"version": info.version, "next": reverse("portal:activity")}
        )
        assert response.status_code == 302 and response["Location"] == reverse("portal:activity")
        complete_partner.refresh_from_db()
        assert complete_partner.missing_sandbox == complete_partner.missing_production == []
        assert admin_client.get(DASHBOARD).status_code == 200

    def test_saving_the_form_counts_as_a_review(self, complete_partner, admin_client):
        from tests.helpers import posted_values

        review_overdue(complete_partner)
        data = posted_values(admin_client.get(MODAL))
        response = admin_client.post(MODAL, data)
        assert response.status_code == 302
        complete_partner.refresh_from_db()
        assert REVIEW not in complete_partner.missing_sandbox

    def test_a_script_gets_the_requirements_under_stripe_names(self, complete_partner, admin_client):
        review_overdue(complete_partner)
        response = admin_client.get(DASHBOARD, headers={"accept": "application/json"})
        assert response.status_code == 403
        body = json.loads(response.content)
        assert body["past_due"] == [REVIEW]
        assert body["missing"] == []
        assert body["currently_due"] == [] and body["eventually_due"] == []
        assert body["current_deadline"] is None


def test_a_partner_unreviewed_for_years_gets_notice_not_a_lock(complete_partner, admin_user):
    reviewed_days_ago(complete_partner, 800)  # saved long before reviews existed
    assert complete_partner.missing_sandbox == []
    codes, deadline = complete_partner.currently_due(Environment.SANDBOX)
    assert codes == (REVIEW,) and abs(deadline - (timezone.now() + GRACE_PERIOD)) < timedelta(minutes=1)
    assert signed_in(admin_user).get(DASHBOARD).status_code == 200


class TestDueLaterVerification:
    def test_before_launch_unverified_addresses_hold_the_launch_not_the_portal(self, partner, admin_user):
        from tests.helpers import complete_contacts

        complete_contacts(partner, alerts=[admin_user], verified=False)
        client = signed_in(admin_user, Environment.PRODUCTION)
        response = client.get(DASHBOARD)
        assert response.status_code == 200
        items = response.content.decode()
        assert f'data-code="{VERIFIED_TECHNICAL_EMERGENCY}"' in items and f'data-code="{VERIFIED_SHARED}"' in items
        assert "Before launch" in items
        launch = client.post(reverse("portal:launch"), {"confirmed": "1"})
        assert launch.status_code == 302
        partner.refresh_from_db()
        assert partner.status == Partner.Status.ONBOARDING

    def test_a_live_partner_that_stops_meeting_it_gets_a_deadline_then_is_blocked_in_production(
        self, complete_partner, admin_user
    ):
        complete_partner.launched_at = timezone.now()
        complete_partner.status = Partner.Status.LAUNCHED
        complete_partner.save()
        AddressVerification.objects.filter(partner=complete_partner, address__startswith="shared").delete()
        contact_status_refresh(partner=complete_partner)
        complete_partner.refresh_from_db()
        codes, deadline = complete_partner.currently_due(Environment.PRODUCTION)
        assert codes == (VERIFIED_SHARED,)
        assert abs(deadline - (timezone.now() + GRACE_PERIOD)) < timedelta(minutes=1)
        client = signed_in(admin_user, Environment.PRODUCTION)
        assert client.get(DASHBOARD).status_code == 200  # a banner, nothing blocked
        # The deadline given is kept by later saves; past it, Production blocks (Sandbox does not).
        contact_status_refresh(partner=complete_partner, now=timezone.now() + timedelta(days=1))
        complete_partner.refresh_from_db()
        assert complete_partner.currently_due(Environment.PRODUCTION)[1] == deadline
        later = deadline + timedelta(seconds=1)
        assert complete_partner.missing_contacts(Environment.PRODUCTION, now=later) == [VERIFIED_SHARED]
        assert complete_partner.missing_contacts(Environment.SANDBOX, now=later) == []


class TestTheDailyCommand:
    def test_it_stores_what_passed_its_deadline_and_is_idempotent(self, complete_partner):
        reviewed_days_ago(complete_partner, 390, now=timezone.now() - timedelta(days=31))
        assert complete_partner.missing_sandbox == []
        checked, changed, _reminded = contact_reviews_run()
        assert (checked, changed) == (1, 1)
        complete_partner.refresh_from_db()
        assert complete_partner.missing_sandbox == [REVIEW]
        assert contact_reviews_run()[1:] == (0, 0)

    def test_reminders_go_to_the_admins_once_per_stage(self, complete_partner, admin_user, editor, sent):
        now = timezone.now()
        base = reviewed_days_ago(complete_partner, 336, now=now)
        with sent() as outbox:
            assert contact_reviews_run(now=now)[2] == 1
        assert [m.to for m in outbox] == [[admin_user.email]]  # Admins, not Editors
        assert "yearly review" in outbox[0].subject
        with sent() as outbox:
            assert contact_reviews_run(now=now + timedelta(hours=1))[2] == 0
        assert outbox == []
        with sent() as outbox:
            contact_reviews_run(now=base + timedelta(days=365, hours=1))
        assert len(outbox) == 1 and "by" in outbox[0].subject
        with sent() as outbox:
            contact_reviews_run(now=base + timedelta(days=388, hours=1))
            contact_reviews_run(now=base + timedelta(days=389))
        assert len(outbox) == 1
        contact_status_refresh(partner=complete_partner)  # leave the stored answer as of now

    def test_a_late_run_sends_only_the_latest_reminder(self, complete_partner, sent):
        now = timezone.now()
        reviewed_days_ago(complete_partner, 389, now=now)
        with sent() as outbox:
            contact_reviews_run(now=now)
        assert len(outbox) == 1
        with sent() as outbox:
            contact_reviews_run(now=now + timedelta(hours=2))
        assert outbox == []

    def test_the_reminder_is_in_the_admins_language(self, complete_partner, admin_user, sent):
        admin_user.language = "es"
        admin_user.save()
        reviewed_days_ago(complete_partner, 366)
        with sent() as outbox:
            contact_reviews_run()
        assert "Revisa" in outbox[0].subject

    def test_the_command_prints_its_counts(self, complete_partner, capsys):
        reviewed_days_ago(complete_partner, 366)
        call_command("contact_reviews")
        assert "Checked 1 partner(s); 0 changed; 1 reminded." in capsys.readouterr().out


def test_the_command_stores_the_warning_of_a_delivery_that_failed(complete_partner):
    from accounts.models import OutgoingEmail
    from contacts.notifications.models import Delivery, Notification

    notification = Notification.objects.create(partner=complete_partner, kind="alert", subject="Slow")
    email = OutgoingEmail.objects.create(
        to="shared0@acme.example", language="en", subject="x", body="y", status=OutgoingEmail.Status.FAILED
    )
    Delivery.objects.create(
        notification=notification, email=email, address="shared0@acme.example", language="en", source="shared"
    )
    contact_reviews_run()
    complete_partner.refresh_from_db()
    assert ["deliveries_failed", "shared", "shared0@acme.example"] in complete_partner.quality_warnings


def test_the_reminder_gives_the_deadline_the_banner_gives(complete_partner, sent):
    from django.utils.dateformat import format as date_format

    reviewed_days_ago(complete_partner, 370)  # day 395 is in 25 days; found due only now: 30 days' notice
    with sent() as outbox:
        contact_reviews_run()
    complete_partner.refresh_from_db()
    _codes, deadline = complete_partner.currently_due(Environment.SANDBOX)
    assert date_format(deadline, "N j, Y") in outbox[0].subject
    # A week before that deadline (not day 388), the last reminder.
    with sent() as outbox:
        contact_reviews_run(now=deadline - timedelta(days=7, minutes=-1))
    assert len(outbox) == 1
