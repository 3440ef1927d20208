"""Settings › Contact information › Test messages: send a test to the addresses of one category, see who got it."""

from datetime import UTC

from django.contrib import messages
from django.db.models import Count, Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.identity import canonical_email
from contacts.notifications.models import TEST, Delivery, Notification
from contacts.notifications.services import (
    TEST_WINDOW,
    TESTS_PER_HOUR,
    TestMessageRefused,
    test_categories,
    test_message_send,
    test_recipients,
)
from partners.decorators import membership_required
from partners.models import Role


def _utc(moment):
    return f"{date_format(timezone.localtime(moment, UTC), 'DATETIME_FORMAT')} UTC"


def _sections(partner, categories):
    """Each category with its addresses, the last test's delivery to each, and the tests left this hour.

    Two queries for the tests (a count and the last per category, then their deliveries and emails), and one per
    category for its addresses, read as the test message reads them.
    """
    since = timezone.now() - TEST_WINDOW
    stats = {
        row["category"]: row
        for row in Notification.objects.filter(partner=partner, kind=TEST)
        .values("category")
        .annotate(last_id=Max("id"), recent=Count("id", filter=Q(created_at__gt=since)))
    }
    last_tests = Notification.objects.filter(pk__in=[row["last_id"] for row in stats.values()]).prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.select_related("email").order_by("id"))
    )
    last_by_category = {test.category: test for test in last_tests}
    sections = []
    for category in categories:
        last = last_by_category.get(category.code)
        delivered = {canonical_email(d.address): d for d in last.deliveries.all()} if last else {}
        recent = stats.get(category.code, {}).get("recent", 0)
        sections.append(
            {
                "category": category,
                "last": last,
                "rows": [
                    {"recipient": r, "delivery": delivered.get(canonical_email(r.email))}
                    for r in test_recipients(partner, category.code)
                ],
                "left": max(TESTS_PER_HOUR - recent, 0),
            }
        )
    return sections


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required(role=Role.EDITOR)
def test_messages(request):
    """Per category: its addresses, how each answered the last test, and a button that sends a new one."""
    partner = request.membership.partner
    categories = test_categories(partner, request.environment)
    if request.method == "POST":
        category = next((c for c in categories if c.code == request.POST.get("category")), None)
        if category is None:
            raise Http404
        url = f"{reverse('notifications:test_messages')}#{category.anchor}"
        try:
            test = test_message_send(partner=partner, category=category.code, sender=request.user)
        except TestMessageRefused as refusal:
            text = str(refusal)
            if refusal.next_at:
                text = _("%(reason)s You can send the next one at %(when)s.") % {
                    "reason": text,
                    "when": _utc(refusal.next_at),
                }
            messages.error(request, text)
            return redirect(url)
        count = test.deliveries.count()
        messages.success(
            request,
            ngettext(
                "Test message sent to %(count)d address in “%(category)s”. Its status appears below.",
                "Test message sent to %(count)d addresses in “%(category)s”. Their status appears below.",
                count,
            )
            % {"count": count, "category": category.label},
        )
        return redirect(url)
    context = {"sections": _sections(partner, categories), "per_hour": TESTS_PER_HOUR}
    return render(request, "notifications/test_messages.html", context)
