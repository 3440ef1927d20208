"""Operators see every partner's contact information, including the operator-only contact."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyAdmin
from accounts.identity import canonical_email
from accounts.models import User
from contacts.models import (
    AddressState,
    AddressVerification,
    Contact,
    ContactInformation,
    SupportWindow,
    verification_status,
)
from contacts.services import contact_information_for, contact_information_reconcile
from partners import admin as partners_admin
from partners.models import Membership, Partner


def snapshot(request, partners):
    """Remember each partner's contact information before an operator's edit, to record what it changed."""
    request.contacts_before = {p.pk: contact_information_for(p).as_dict() for p in partners}


def reconcile(request, partners):
    """Operators changed members or contacts outside the portal's forms: bring each partner up to date,
    and record the change under the operator's name, visible to the partner in Settings › Activity."""
    before = getattr(request, "contacts_before", {})
    for partner in {p.pk: p for p in partners}.values():
        contact_information_reconcile(partner=partner, operator=request.user, before=before.get(partner.pk))


class ReconcileMembers:
    """Members an operator adds, moves or removes change alert contacts and what the contacts still need."""

    def members_changed(self, request, partners):
        super().members_changed(request, partners)
        reconcile(request, partners)


class UserAdmin(ReconcileMembers, partners_admin.UserAdmin):
    """Users, with their memberships; removing one keeps the partners' contacts consistent."""


class PartnerAdmin(ReconcileMembers, partners_admin.PartnerAdmin):
    """Partners; a changed integration kind or members recompute what the contacts need."""


class MembershipAdmin(ReconcileMembers, partners_admin.MembershipAdmin):
    """Memberships; one that ends also ends its alert-contact duty."""


admin.site.unregister([User, Partner, Membership])
admin.site.register(User, UserAdmin)
admin.site.register(Partner, PartnerAdmin)
admin.site.register(Membership, MembershipAdmin)


def verification_label(state):
    """An address's verification in words, or a dash when no confirmation was ever sent to it."""
    return state.label if state is not None else "–"


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["category", "email", "name", "phone", "url", "language", "verification"]
    readonly_fields = ["verification"]

    @admin.display(description=_("verification"))
    def verification(self, obj):
        if obj.pk is None:
            return "–"
        # The inline's rows share one contact information: its verifications are read once (one query).
        cache = self.__dict__.setdefault("_states", {})
        if obj.contact_information_id not in cache:
            cache[obj.contact_information_id] = ContactInformation.objects.get(
                pk=obj.contact_information_id
            ).address_states
        return verification_label(cache[obj.contact_information_id].get(canonical_email(obj.email)))


class SupportWindowInline(admin.TabularInline):
    model = SupportWindow
    extra = 0
    fields = ["days", "start", "end", "overnight", "time_zone"]


@admin.register(ContactInformation)
class ContactInformationAdmin(partners_admin.LocksPartners, admin.ModelAdmin):
    list_display = ["partner", "support_24_7", "version", "updated_at", "updated_by"]
    list_filter = ["partner__integration", "support_24_7"]
    search_fields = ["partner__name", "contacts__email", "contacts__name"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["alert_contacts"]
    inlines = [ContactInline, SupportWindowInline]
    list_select_related = ["partner", "updated_by"]

    def save_model(self, request, obj, form, change):
        if change:
            snapshot(request, [ContactInformation.objects.select_related("partner").get(pk=obj.pk).partner])
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An operator's edit is a new version too: open forms go stale, completeness is recomputed.
        reconcile(request, [form.instance.partner])

    def delete_model(self, request, obj):
        snapshot(request, [obj.partner])
        super().delete_model(request, obj)
        reconcile(request, [obj.partner])

    def delete_queryset(self, request, queryset):
        partners = list(Partner.objects.filter(contact_information__in=queryset))
        snapshot(request, partners)
        super().delete_queryset(request, queryset)
        reconcile(request, partners)


class ContactChangeList(ChangeList):
    """The contacts' list, with each contact's verification read in one query for the whole page."""

    def get_results(self, request):
        super().get_results(request)
        partner_ids = {contact.contact_information.partner_id for contact in self.result_list}
        rows = AddressVerification.objects.filter(partner_id__in=partner_ids).values_list(
            "partner_id", "address", "pk", "verified_at", "last_email__status"
        )
        states = {
            (partner, address): AddressState(pk, verification_status(at, sent))
            for partner, address, pk, at, sent in rows
        }
        for contact in self.result_list:
            contact.verification = states.get((contact.contact_information.partner_id, canonical_email(contact.email)))


@admin.register(Contact)
class ContactAdmin(partners_admin.LocksPartners, admin.ModelAdmin):
    list_display = ["email", "name", "phone", "category", "language", "verification", "contact_information"]
    list_filter = ["category", "language"]
    search_fields = ["email", "name", "contact_information__partner__name"]
    list_select_related = ["contact_information__partner"]

    def get_changelist(self, request, **kwargs):
        return ContactChangeList

    @admin.display(description=_("verification"))
    def verification(self, obj):
        return verification_label(getattr(obj, "verification", None))

    def partner_ids_of(self, obj):
        return [obj.contact_information.partner_id]

    def save_model(self, request, obj, form, change):
        partners = [obj.contact_information.partner]
        if change:
            partners.append(
                Contact.objects.select_related("contact_information__partner")
                .get(pk=obj.pk)
                .contact_information.partner
            )
        snapshot(request, partners)
        super().save_model(request, obj, form, change)
        reconcile(request, partners)

    def delete_model(self, request, obj):
        partners = [obj.contact_information.partner]
        snapshot(request, partners)
        super().delete_model(request, obj)
        reconcile(request, partners)

    def delete_queryset(self, request, queryset):
        partners = list(Partner.objects.filter(contact_information__contacts__in=queryset).distinct())
        snapshot(request, partners)
        super().delete_queryset(request, queryset)
        reconcile(request, partners)


@admin.register(AddressVerification)
class AddressVerificationAdmin(ReadOnlyAdmin):
    """Read only: a verification changes through its link and the Resend button, never by hand."""

    list_display = ["address", "partner", "status_label", "sent_at", "verified_at", "token_expires_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["address", "partner__name"]
    list_select_related = ["partner", "last_email"]
    fields = [
        "partner",
        "address",
        "status_label",
        "language",
        "sent_at",
        "token_expires_at",
        "verified_at",
        "last_email",
        "window_started_at",
        "window_sends",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.get_status_display()
