"""The acknowledgement page an alert or emergency email links to; it works without signing in."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contacts.decorators import contact_information_not_required
from notifications.services import AcknowledgementError, delivery_for_token
from notifications.services import acknowledge as acknowledge_delivery


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@login_not_required
@contact_information_not_required
def acknowledge(request, token):
    """Show what happened with an Acknowledge button. Only the POST records it: mail scanners fetch links."""
    delivery = delivery_for_token(token)
    if delivery is None or delivery.token_expires_at <= timezone.now():
        return render(request, "notifications/acknowledge_invalid.html", status=410)
    context = {"delivery": delivery, "notification": delivery.notification}
    if request.method == "POST":
        try:
            context["first"] = acknowledge_delivery(delivery=delivery, user=request.user)
        except AcknowledgementError:
            return render(request, "notifications/acknowledge_invalid.html", status=410)
        context["done"] = True
    return render(request, "notifications/acknowledge.html", context)
