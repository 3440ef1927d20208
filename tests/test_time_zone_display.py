"""Dates and times are shown on the reader's own clock: the zone their browser reported, else the server's UTC."""

from datetime import UTC, datetime

from django.urls import reverse

from partners.models import Activity
from tests.helpers import admin_of, signed_in


def test_the_activity_log_shows_times_in_the_browser_s_zone(complete_partner):
    admin = admin_of(complete_partner)
    entry = Activity.objects.create(partner=complete_partner, actor=admin, action=Activity.Action.CONTACTS_UPDATED)
    Activity.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    client = signed_in(admin)
    assert "June 1, 2026, noon" in client.get(reverse("portal:activity")).content.decode()  # UTC: no zone known
    client.cookies["browser_time_zone"] = "America/New_York"
    assert "June 1, 2026, 8 a.m." in client.get(reverse("portal:activity")).content.decode()
    client.cookies["browser_time_zone"] = "Not/AZone"
    assert "June 1, 2026, noon" in client.get(reverse("portal:activity")).content.decode()
