"""Settings › Notifications, and the acknowledgement page an alert or emergency email links to."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from contacts.decorators import contact_information_not_required
from contacts.notifications.models import KIND_CHOICES, Delivery, Notification
from contacts.notifications.services import ACKNOWLEDGE_WITHIN, AcknowledgementError, delivery_for_token
from contacts.notifications.services import acknowledge as acknowledge_delivery
from partners.decorators import membership_required

PER_PAGE = 20


@require_GET
@membership_required
def notification_list(request):
    """Settings › Notifications: what was sent about this account, to whom, and who acknowledged it; newest first.

    Three queries for any page (count, notifications, their deliveries with their emails), whatever their number.
    """
    kind = request.GET.get("kind", "")
    if kind not in dict(KIND_CHOICES):
        kind = ""
    notifications = Notification.objects.filter(partner=request.membership.partner).prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.select_related("email").order_by("round", "id"))
    )
    if kind:
        notifications = notifications.filter(kind=kind)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    for notification in page:
        notification.failed = any(d.status == "failed" for d in notification.deliveries.all())
    return render(
        request,
        "notifications/list.html",
        {"page": page, "kind": kind, "kinds": KIND_CHOICES},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@login_not_required
@contact_information_not_required
def acknowledge(request, token):
    """Show what happened with an Acknowledge button. Only the POST records it: mail scanners fetch links."""
    delivery = delivery_for_token(token)
    if delivery is None or delivery.token_expires_at is None or delivery.token_expires_at <= timezone.now():
        return _link_invalid(request)
    context = {"delivery": delivery, "notification": delivery.notification}
    if request.method == "POST":
        try:
            context["first"] = acknowledge_delivery(delivery=delivery, user=request.user)
        except AcknowledgementError:
            return _link_invalid(request)
        context["done"] = True
    # In the email's language, unless the visitor chose one with the language switch.
    language = get_language() if settings.LANGUAGE_COOKIE_NAME in request.COOKIES else delivery.language
    with override(language):
        response = render(request, "notifications/acknowledge.html", context)
    response["Content-Language"] = language
    return response


def _link_invalid(request):
    """410 Gone, with why and whom to contact: the link expired, was mistyped, or never existed."""
    context = {"valid_days": ACKNOWLEDGE_WITHIN.days}
    return render(request, "notifications/acknowledge_invalid.html", context, status=410)
