"""Settings › Contact information › Phone region: the country phone numbers are read in when typed without
a country code. Every member sees it; Admins change it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import Form
from contacts.decorators import contact_information_not_required
from contacts.forms.fields import country_name, phone_region_choices
from partners.decorators import membership_required
from partners.services import PartnerError, partner_phone_region_set


class PhoneRegionForm(Form):
    """The partner's phone region, chosen among the countries with a calling code (named in the page's language)."""

    region = forms.ChoiceField(
        label=gettext_lazy("Country"),
        help_text=gettext_lazy("Each phone field also has its own country, which starts as this one."),
        error_messages={"invalid_choice": gettext_lazy("Choose a country from the list.")},
    )

    def __init__(self, *args, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = phone_region_choices(get_language() or "en")
        self.fields["region"].disabled = read_only


@require_http_methods(["GET", "HEAD", "POST"])
@contact_information_not_required  # it is part of completing the contact information: reachable before that
@membership_required
def phone_region(request):
    """Show the partner's phone region; an Admin's POST changes it and goes back to the contact information."""
    membership = request.membership
    partner = membership.partner
    can_change = membership.can_manage_users
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    form = PhoneRegionForm(
        request.POST if request.method == "POST" else None,
        initial={"region": partner.phone_region},
        read_only=not can_change,
    )
    if form.is_valid():
        region = form.cleaned_data["region"]
        try:
            partner_phone_region_set(partner=partner, region=region, actor=request.user)
        except PartnerError as error:
            form.add_error("region", str(error))
        else:
            messages.success(
                request,
                _("Phone numbers typed without a country code are now read as numbers of %(country)s.")
                % {"country": country_name(region)},
            )
            return redirect("contacts:settings")
    context = {
        "form": form,
        "can_change": can_change,
        "country": country_name(partner.phone_region),
        "admins": () if can_change else partner.memberships.admins().select_related("user"),
    }
    return render(request, "contacts/phone_region.html", context)
