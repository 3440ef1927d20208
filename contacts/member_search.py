"""The members of the current partner found by name or email, as JSON: the alert contacts' combobox asks it."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from contacts.decorators import contact_information_not_required
from contacts.forms.members import MAX_TERM_LENGTH, PAGE_SIZE, member_label, members_matching, partner_members
from partners.decorators import membership_required
from partners.models import Role


@require_GET
@never_cache  # names and addresses of people: not for shared caches, nor for the browser's back button
@contact_information_not_required  # the modal itself asks it while the contact information is incomplete
@membership_required(role=Role.EDITOR)
def member_search(request):
    """At most PAGE_SIZE members of the current partner whose name or email contains `q` (ignoring case)."""
    term = request.GET.get("q", "").strip()[:MAX_TERM_LENGTH]
    if not term:
        return JsonResponse({"results": [], "more": False})  # a search needs at least one character
    members = members_matching(partner_members(request.membership.partner), term).only("pk", "name", "email")
    found = list(members[: PAGE_SIZE + 1])
    results = [
        {"id": user.pk, "name": user.name, "email": user.email, "label": member_label(user)}
        for user in found[:PAGE_SIZE]
    ]
    return JsonResponse({"results": results, "more": len(found) > PAGE_SIZE})
