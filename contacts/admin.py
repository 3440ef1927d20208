"""Operators see every partner's contact information, including the operator-only contact."""

from django.contrib import admin

from contacts.models import Contact, ContactInformation, SupportWindow
from contacts.services import contact_information_reconcile
from portal.models import Partner


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["category", "email", "name", "phone", "url"]


class SupportWindowInline(admin.TabularInline):
    model = SupportWindow
    extra = 0
    fields = ["days", "start", "end", "overnight", "time_zone"]


@admin.register(ContactInformation)
class ContactInformationAdmin(admin.ModelAdmin):
    list_display = ["partner", "support_24_7", "version", "updated_at", "updated_by"]
    list_filter = ["partner__integration", "support_24_7"]
    search_fields = ["partner__name", "contacts__email", "contacts__name"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["alert_contacts"]
    inlines = [ContactInline, SupportWindowInline]
    list_select_related = ["partner", "updated_by"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An operator's edit is a new version too: open forms go stale, completeness is recomputed.
        contact_information_reconcile(partner=form.instance.partner)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        contact_information_reconcile(partner=obj.partner)

    def delete_queryset(self, request, queryset):
        partners = list(Partner.objects.filter(contact_information__in=queryset))
        super().delete_queryset(request, queryset)
        for partner in partners:
            contact_information_reconcile(partner=partner)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "phone", "category", "contact_information"]
    list_filter = ["category"]
    search_fields = ["email", "name", "contact_information__partner__name"]
    list_select_related = ["contact_information__partner"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        contact_information_reconcile(partner=obj.contact_information.partner)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        contact_information_reconcile(partner=obj.contact_information.partner)

    def delete_queryset(self, request, queryset):
        partners = list(Partner.objects.filter(contact_information__contacts__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for partner in partners:
            contact_information_reconcile(partner=partner)
