"""The operators' view of notifications in the Django admin: disable or enable an integration, send a notification
to some partners, announce to all of them, follow every delivery, and find whom to call (the reach sheet).

Each action is a thin admin view: a form validates what the operator typed, previews who will be told (asking
contacts.routing, as the services do) and calls one service in its save(). Every form that sends carries an
idempotency key made when the page is shown, so a double submit raises one notification.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.admin import ReadOnlyAdmin, RetriesEmails
from accounts.models import OutgoingEmail
from contacts import admin as contacts_admin
from contacts.categories import ContactCategory
from contacts.models import ContactInformation, SupportWindow
from contacts.notifications.forms import (
    BroadcastForm,
    IntegrationDisableForm,
    NotificationForm,
    PartnerForm,
    new_idempotency_key,
)
from contacts.notifications.models import Broadcast, Delivery, Notification
from contacts.notifications.services import delivery_retry
from contacts.routing import NotificationKind, reach_sheet, recipients_by_partner, source_label
from partners.models import Membership, Partner
from partners.services import PartnerError, partner_enable


def preview_rows(partners, recipients):
    """For the preview table: each partner with the addresses it will reach, why and in which language."""
    return [
        {
            "partner": partner,
            "recipients": [
                {"email": r.email, "reason": source_label(r.source), "language": r.language}
                for r in recipients[partner.pk]
            ],
        }
        for partner in partners
    ]


def reach_sheet_url(partner_id):
    """Where the reach sheet of a partner is, in the admin."""
    return reverse("admin:partners_partner_reach_sheet", args=[partner_id])


# --- Filters ----------------------------------------------------------------------------------------------


class AcknowledgedFilter(admin.SimpleListFilter):
    """Acknowledged or not yet."""

    title = gettext_lazy("acknowledged")
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def unacknowledged(self, queryset):
        return queryset.filter(acknowledged_at__isnull=True)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=False)
        if self.value() == "no":
            return self.unacknowledged(queryset)
        return queryset


class NotificationAcknowledgedFilter(AcknowledgedFilter):
    """Acknowledged, or an alert or emergency nobody has acknowledged yet (other kinds ask for none)."""

    def unacknowledged(self, queryset):
        return queryset.unacknowledged()


# --- Partners ---------------------------------------------------------------------------------------------


admin.site.unregister(Partner)


@admin.register(Partner)
class PartnerAdmin(contacts_admin.PartnerAdmin):
    """Partners, their lifecycle (why and since when an integration is disabled) and what operators tell them."""

    form = PartnerForm
    change_form_template = "admin/notifications/partner/change_form.html"
    change_list_template = "admin/notifications/partner/change_list.html"
    list_display = [
        "name",
        "integration",
        "lifecycle",
        "language",
        "phone_region",
        "contacts_complete_in_production",
        "created_at",
    ]
    list_filter = ["status", "integration", "language"]
    readonly_fields = [
        *contacts_admin.PartnerAdmin.readonly_fields,
        "disabled_reason",
        "disabled_at",
        "disabled_by",
        "reach_sheet_link",
    ]
    fieldsets = [
        (None, {"fields": ["name", "integration", "phone_region", "language"]}),
        (
            gettext_lazy("Lifecycle"),
            {
                "fields": [
                    "status",
                    "disabled_reason",
                    ("disabled_at", "disabled_by"),
                    ("launched_at", "launched_by"),
                    "created_at",
                ]
            },
        ),
        (
            gettext_lazy("Contact information"),
            {
                "fields": [
                    ("missing_sandbox", "missing_production"),
                    ("due_sandbox", "due_production"),
                    "requirement_deadlines",
                    "quality_warnings",
                    "reach_sheet_link",
                ]
            },
        ),
    ]
    actions = ["disable_integration", "enable_integration", "send_notification"]

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def lifecycle(self, obj):
        if obj.is_disabled and obj.disabled_at:
            return _("Disabled since %(when)s") % {"when": date_format(timezone.localtime(obj.disabled_at))}
        return obj.get_status_display()

    @admin.display(description=gettext_lazy("reach sheet"))
    def reach_sheet_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reach_sheet_url(obj.pk), _("Whom to call, with phone numbers"))

    def get_urls(self):
        reach = self.admin_site.admin_view(self.reach_sheet_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_reach_sheet"
        return [path("<path:object_id>/reach-sheet/", reach, name=name), *super().get_urls()]

    def reach_sheet_view(self, request, object_id):
        """Everyone to call about a partner in an emergency, its support hours and its Admins: read only from the
        database, so it works when email or the worker is down."""
        partner = self.get_object(request, unquote(object_id))
        if partner is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, partner):
            raise PermissionDenied
        now = timezone.now()
        info = ContactInformation.objects.filter(partner=partner).first()
        windows = SupportWindow.objects.filter(contact_information__partner=partner).order_by("id")
        admins = Membership.objects.admins().filter(partner=partner, user__is_active=True).select_related("user")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reach sheet: %(partner)s") % {"partner": partner},
            "partner": partner,
            "contacts": [(ContactCategory(c.category).label, c) for c in reach_sheet(partner)],
            "support_24_7": bool(info and info.support_24_7),
            "windows": [(window, window.is_open_at(now)) for window in windows],
            "admins": [membership.user for membership in admins.order_by("user__email")],
            "now": now,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/notifications/reach_sheet.html", context)

    def action_page(self, request, template, partners, form, **context):
        """An intermediate page of an action: the selected partners travel with the form as hidden fields."""
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            f"admin/notifications/{template}.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "partners": partners,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "operations_email": settings.OPERATIONS_EMAIL,
                **context,
            },
        )

    @admin.action(description=gettext_lazy("Disable the integration…"), permissions=["change"])
    def disable_integration(self, request, queryset):
        """Ask why, show who will be told, then disable each partner and raise an emergency about it."""
        partners = list(queryset.order_by("name"))
        if "post" in request.POST:
            form = IntegrationDisableForm(request.POST)
            if form.is_valid():
                done, repeated, refused = form.save(partners=partners, operator=request.user)
                self.report_sent(request, done, repeated)
                for refusal in refused:
                    self.message_user(request, refusal, messages.WARNING)
                return None
        else:
            form = IntegrationDisableForm(initial={"idempotency_key": new_idempotency_key()})
        preview = preview_rows(partners, recipients_by_partner(partners, NotificationKind.EMERGENCY))
        return self.action_page(
            request,
            "disable_integration",
            partners,
            form,
            title=_("Disable the integration"),
            preview=preview,
            to_disable=sum(not partner.is_disabled for partner in partners),
        )

    @admin.action(description=gettext_lazy("Enable the integration again"), permissions=["change"])
    def enable_integration(self, request, queryset):
        """Put each disabled partner back where it was (launched, or onboarding); nobody is emailed."""
        enabled = 0
        for partner in queryset.order_by("name"):
            try:
                partner_enable(partner=partner, operator=request.user)
            except PartnerError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                enabled += 1
        if enabled:
            message = ngettext(
                "Enabled the integration of %(count)d partner again.",
                "Enabled the integrations of %(count)d partners again.",
                enabled,
            )
            self.message_user(request, message % {"count": enabled}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Send a notification…"), permissions=["change"])
    def send_notification(self, request, queryset):
        """Write the notification, preview who receives it about each partner, then send it."""
        partners = list(queryset.order_by("name"))
        if "kind" not in request.POST:  # from the partner list: a fresh form
            form = NotificationForm(initial={"idempotency_key": new_idempotency_key()}, partners=partners)
            return self.action_page(request, "send_notification", partners, form, title=_("Send a notification"))
        form = NotificationForm(request.POST, partners=partners)
        previewing = form.is_valid() and "_change" not in request.POST
        if previewing and "post" in request.POST:
            done, repeated = form.save(operator=request.user)
            self.report_sent(request, done, repeated)
            return None
        preview = preview_rows(partners, form.recipients) if previewing else None
        return self.action_page(
            request, "send_notification", partners, form, title=_("Send a notification"), preview=preview
        )

    def report_sent(self, request, done, repeated):
        """Say what was sent, whom nobody could be told about, and what an earlier submit had already done."""
        if done:
            message = ngettext(
                "Emails to the contacts of %(count)d partner are on their way (see its notifications).",
                "Emails to the contacts of %(count)d partners are on their way (see their notifications).",
                len(done),
            )
            self.message_user(request, message % {"count": len(done)}, messages.SUCCESS)
        unreached = [str(partner) for partner, notification in done.items() if notification.nobody_reached]
        if unreached:
            self.message_user(
                request,
                _("Nobody at %(partners)s could be told: the operators (%(email)s) were, instead.")
                % {"partners": ", ".join(unreached), "email": settings.OPERATIONS_EMAIL},
                messages.WARNING,
            )
        if repeated:
            self.message_user(
                request,
                _("Already sent by this form (a second submit sends nothing more): %(partners)s")
                % {"partners": ", ".join(str(partner) for partner in repeated)},
                messages.INFO,
            )


# --- Notifications, deliveries, broadcasts ----------------------------------------------------------------

# The changelist's order: emergencies nobody has acknowledged yet on top, whatever their age.
OPEN_EMERGENCY_FIRST = Case(
    When(kind=NotificationKind.EMERGENCY, acknowledged_at__isnull=True, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
).asc()
DELIVERY_STATES = [("acknowledged", gettext_lazy("Acknowledged")), *OutgoingEmail.Status.choices]


class DeliveryInline(admin.TabularInline):
    """Each recipient of a notification, with where its email stands."""

    model = Delivery
    extra = 0
    fields = ["address", "source_label", "language", "round", "status_label", "attempts", "acknowledged_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("email")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("reason"))
    def source_label(self, obj):
        return source_label(obj.source)

    @admin.display(description=gettext_lazy("status"))
    def status_label(self, obj):
        return obj.status_label

    @admin.display(description=gettext_lazy("attempts"))
    def attempts(self, obj):
        return obj.email.attempts


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was raised about whom, who was told and who acknowledged; open emergencies first."""

    list_display = [
        "kind",
        "partner",
        "title",
        "created_at",
        "acknowledged",
        "escalated",
        "nobody_reached",
        "deliveries_summary",
        "reach_sheet",
    ]
    list_filter = [
        "kind",
        NotificationAcknowledgedFilter,
        "environment",
        "nobody_reached",
        ("partner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["partner__name", "subject", "deliveries__address"]
    list_select_related = ["partner"]
    fields = [
        "kind",
        "event",
        "partner",
        "reach_sheet",
        "environment",
        "title",
        "body",
        "raised_by_label",
        "broadcast",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "escalated_at",
        "nobody_reached",
    ]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request):
        counts = {
            f"deliveries_{state}": Count(
                "deliveries",
                filter=Q(deliveries__acknowledged_at__isnull=False)
                if state == "acknowledged"
                else Q(deliveries__acknowledged_at__isnull=True, deliveries__email__status=state),
            )
            for state, _label in DELIVERY_STATES
        }
        return super().get_queryset(request).annotate(**counts)

    def get_ordering(self, request):
        return [OPEN_EMERGENCY_FIRST, "-created_at", "-id"]

    @admin.display(description=gettext_lazy("title"))
    def title(self, obj):
        return obj.title

    @admin.display(description=gettext_lazy("acknowledged"), boolean=True, ordering="acknowledged_at")
    def acknowledged(self, obj):
        if not obj.needs_acknowledgement:
            return None  # announcements and the like ask for no acknowledgement
        return obj.acknowledged_at is not None

    @admin.display(description=gettext_lazy("escalated"), boolean=True, ordering="escalated_at")
    def escalated(self, obj):
        return obj.escalated_at is not None

    @admin.display(description=gettext_lazy("deliveries"))
    def deliveries_summary(self, obj):
        parts = [
            f"{getattr(obj, f'deliveries_{state}')} {label}"
            for state, label in DELIVERY_STATES
            if getattr(obj, f"deliveries_{state}", 0)
        ]
        return " · ".join(parts) or "—"

    @admin.display(description=gettext_lazy("reach sheet"))
    def reach_sheet(self, obj):
        return format_html('<a href="{}">{}</a>', reach_sheet_url(obj.partner_id), _("Reach sheet"))


@admin.register(Delivery)
class DeliveryAdmin(RetriesEmails, ReadOnlyAdmin):
    """Each email of each notification; failed ones can be sent again."""

    list_display = ["address", "partner", "kind", "notification_title", "round", "reason", "status", "created_at"]
    list_filter = [
        "notification__kind",
        "email__status",
        AcknowledgedFilter,
        ("notification__partner", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["address", "notification__partner__name"]
    list_select_related = ["notification__partner", "email"]
    actions = ["retry_failed"]

    @admin.display(description=gettext_lazy("partner"), ordering="notification__partner__name")
    def partner(self, obj):
        return obj.notification.partner

    @admin.display(description=gettext_lazy("kind"), ordering="notification__kind")
    def kind(self, obj):
        return obj.notification.get_kind_display()

    @admin.display(description=gettext_lazy("notification"))
    def notification_title(self, obj):
        return obj.notification.title

    @admin.display(description=gettext_lazy("reason"), ordering="source")
    def reason(self, obj):
        return source_label(obj.source)

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj):
        return obj.status_label

    @admin.action(description=gettext_lazy("Retry failed deliveries"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        """Send the failed emails of the selected deliveries again (with a new acknowledgement link if they had one)."""
        deliveries = queryset.select_related("email", "notification__partner")
        self.retry_emails(request, deliveries, retry=delivery_retry)


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Announcements to every partner: raised with the form that replaces "Add", followed here as they fan out."""

    change_list_template = "admin/notifications/broadcast/change_list.html"
    list_display = ["subject", "kind", "integration", "raised_by", "created_at", "partners_done", "finished_at"]
    list_filter = ["kind", "integration"]
    search_fields = ["subject"]
    list_select_related = ["raised_by"]
    fields = [
        "kind",
        "integration",
        "subject",
        "body",
        "raised_by",
        "created_at",
        "partners_done",
        "finished_at",
        "notifications_link",
    ]
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("notifications"))
    def notifications_link(self, obj):
        url = reverse("admin:notifications_notification_changelist") + f"?broadcast__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("The notifications of this announcement"))

    def add_view(self, request, form_url="", extra_context=None):
        """Write the announcement, see how many partners it reaches, then send it (once, however often posted)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = BroadcastForm(request.POST)
        else:
            form = BroadcastForm(initial={"idempotency_key": new_idempotency_key()})
        previewing = form.is_bound and form.is_valid() and "_change" not in request.POST
        if previewing and "post" in request.POST:
            broadcast, created = form.save(operator=request.user)
            if created:
                self.message_user(request, _("The announcement is on its way; its progress shows here."))
            else:
                self.message_user(request, _("This announcement was already sent: nothing more was."), messages.INFO)
            return HttpResponseRedirect(reverse("admin:notifications_broadcast_change", args=[broadcast.pk]))
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Announce to all partners"),
            "form": form,
            "partner_count": form.partners().count() if previewing else None,
        }
        return TemplateResponse(request, "admin/notifications/broadcast_form.html", context)
