"""The onboarding modal and Settings › Contact information: one form, two frames; and its drafts."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.navigation import safe_next
from accounts.services import user_language_set
from contacts.completeness import MISSING_CODES, REQUIREMENTS, REVIEW
from contacts.coverage import coverage_for
from contacts.decorators import contact_information_not_required
from contacts.drafts import (
    draft_after_save,
    draft_after_section_save,
    draft_discard,
    draft_for,
    draft_keep,
    draft_restore,
)
from contacts.forms import ContactInformationForm, time_zone_datalist, with_added_row
from contacts.forms.formsets import with_copied_rows, with_hours_preset
from contacts.forms.members import is_member_search
from contacts.fragments import COVERAGE_SLOT, FormBody, FormBodyKey, form_body
from contacts.history import changes_since
from contacts.services import (
    ContactInformationConflict,
    alert_contact_ids,
    contact_information_for,
    contact_information_save,
)
from partners.decorators import membership_required
from partners.environments import Environment, set_environment
from partners.models import Role
from partners.panels import users_panel_context

# The id of the contact form's <form>: the header's switches submit it (HTML `form` attribute) to keep a draft.
CONTACT_FORM_ID = "contact-form"


def rearranged(post):
    """The posted data as a button that only rearranges the form asked (another row, rows copied from another
    category, a support hours preset, a member search), to show again unjudged; None for a real submission."""
    if post.get("add_row"):
        return with_added_row(post, post["add_row"])
    if post.get("copy_rows"):
        target, _sep, source = post["copy_rows"].partition(":")
        return with_copied_rows(post, target, source)
    if post.get("hours_preset"):
        return with_hours_preset(post, post["hours_preset"])
    if is_member_search(post):
        return post.copy()
    return None


def handle_contact_form(
    request,
    *,
    template,
    success_url,
    extra_context=None,
    submitted=None,
    status=200,
    only=None,
    draft=True,
    back=None,
    form_action=None,
):
    """Show, validate and save the contact information form; shared by the modal and Settings.

    `only` (a category code) holds one category; `draft` keeps what is typed as the member's draft (never with
    `only`), restored on the next visit; `back` is the page to come back to after a switch (default: success_url);
    `form_action` is where the form posts (default: this page; the modal is also drawn by the invite view).
    """
    membership, environment = request.membership, request.environment
    info = contact_information_for(membership.partner)
    read_only = not membership.can_edit_contacts
    submitted = request.method == "POST" if submitted is None else submitted
    if submitted and read_only:
        raise PermissionDenied
    drafts = draft and only is None and not read_only
    conflict = restored = None
    if submitted and (posted := rearranged(request.POST)) is not None:
        # Not a submission: show what was typed, unjudged, rearranged as asked.
        form = ContactInformationForm(posted, info=info, environment=environment, only=only).redisplay()
        if drafts:
            draft_keep(membership=membership, environment=environment, post=posted)
    elif submitted:
        form = ContactInformationForm(request.POST, info=info, environment=environment, only=only)
        stale = form.is_stale()
        if not stale and form.is_valid():
            try:
                contact_information_save(form=form, actor=request.user)
            except ContactInformationConflict:
                stale = True  # someone saved between our check and our save
            else:
                saved = contact_information_for(membership.partner)
                if drafts:
                    draft_after_save(membership=membership, environment=environment, post=request.POST, info=saved)
                elif only is not None and not read_only:
                    draft_after_section_save(membership=membership, category=only, post=request.POST, info=saved)
                messages.success(request, _("Contact information saved."))
                return redirect(success_url)
        elif not stale and form.posted_version is not None:
            # Invalid: perhaps only because a colleague changed things since our check (a member they removed
            # is still ticked here). If the stored version moved, the honest answer is the conflict page.
            stale = contact_information_for(membership.partner).version != form.posted_version
        if stale:
            # Show what changed meanwhile, keep everything the user typed, and rebase it on the
            # current version: saving again is a deliberate choice made after seeing the changes.
            conflict = changes_since(membership.partner, form.posted_version or 0)
            current = contact_information_for(membership.partner)
            form = form.redisplay(rebase_on=current)
            if drafts:
                draft_keep(membership=membership, environment=environment, post=request.POST, version=current.version)
        elif drafts:
            draft_keep(membership=membership, environment=environment, post=request.POST)
    else:
        form = None
        if drafts and (restored := draft_for(membership)) is not None:
            form, conflict = draft_restore(restored, info=info, environment=environment)
        if form is None:
            form = ContactInformationForm(info=info, environment=environment, read_only=read_only, only=only)
    context = {
        "form": form,
        "form_action": form_action or request.path,
        "show_errors": form.is_bound,
        "conflict": conflict,
        "environment": environment,
        "editors": membership.partner.memberships.editors_and_admins().select_related("user") if read_only else (),
        "draft": restored,
        "draft_form_id": CONTACT_FORM_ID if drafts else "",
        "draft_back": back or success_url,
        **(extra_context or {}),
    }
    # A form showing what is stored is drawn once per version (and language, members shown…), then read from the
    # cache: its sections are not even built. Its coverage grid is drawn per request, from the windows it keeps.
    body = None
    if only is None and form.shows_stored:
        form.body_key = FormBodyKey.of(form, context["form_action"])
        body = form_body(form.body_key, lambda: draw_form_body(request, form, context))
    windows = body.windows if body is not None else form.page.windows
    context["form_body"] = body
    all_week = form.info.support_24_7
    # No hours, no grid: the partial draws nothing then, so it is not computed either.
    context["coverage"] = coverage_for(request, windows, all_week=all_week) if windows or all_week else None
    return render(request, template, context, status=409 if conflict is not None and submitted else status)


def draw_form_body(request, form, context):
    """The body of the contact form (_contact_form.html#body) with a slot for the coverage grid, to cache."""
    html = render_to_string("contacts/_contact_form.html#body", {**context, "coverage_slot": COVERAGE_SLOT}, request)
    return FormBody.from_html(html, form.page.windows)


@require_http_methods(["GET", "HEAD", "POST"])
@membership_required
def edit(request):
    """Settings › Contact information, the full form."""
    return handle_contact_form(request, template="contacts/edit.html", success_url=reverse("contacts:edit"))


@require_http_methods(["GET", "HEAD", "POST"])
@contact_information_not_required
@membership_required
def onboarding(request):
    """The blocking modal: complete the contact information, or hand it over from the Users tab."""
    if request.method != "POST" and request.membership.partner.contacts_complete(request.environment):
        return redirect(safe_next(request))
    return onboarding_page(request)


def modal_url(request):
    """The modal, still leading to the page first asked for."""
    return f"{reverse('contacts:onboarding')}?{urlencode({'next': safe_next(request)})}"


def users_tab_url(request):
    """The modal opened on its Users tab, still leading to the page first asked for."""
    return f"{modal_url(request)}#panel-users"


def onboarding_page(request, *, invite_form=None, status=200):
    """The modal; given an invitation form to show again (sent from its Users tab), on that tab."""
    membership, environment = request.membership, request.environment
    partner = membership.partner
    next_url = safe_next(request)
    # In Production, the modal may be back for alert contacts alone: say why, rather than repeat the generic text.
    past_due = partner.missing_contacts(environment)
    alerts_missing = environment.has_alert_contacts and "alert_contacts_required" in past_due
    # Once complete, the modal comes back only for what passed its deadline: say what, rather than the generic text.
    due_later = [REQUIREMENTS[code] for code in past_due if code in REQUIREMENTS and code not in MISSING_CODES]
    return handle_contact_form(
        request,
        template="contacts/onboarding.html",
        success_url=next_url,
        submitted=request.method == "POST" and invite_form is None,
        status=status,
        back=modal_url(request),
        form_action=reverse("contacts:onboarding"),
        extra_context={
            "next_url": next_url,
            "active_tab": "users" if invite_form else "contacts",
            # The review asks to check everything: nothing folded away then.
            "collapse_complete": REVIEW not in past_due,
            "back_to": users_tab_url(request),
            "invite_frame": "onboarding",
            "alerts_missing": alerts_missing,
            "only_alerts_missing": alerts_missing and partner.contacts_complete(Environment.SANDBOX),
            "past_due_later": due_later,
            "only_past_due_later": bool(due_later) and len(due_later) == len(past_due),
            "review_past_due": REVIEW in past_due,
            "admins": ()
            if membership.can_manage_users
            else partner.memberships.admins().select_related("user").order_by("user__name", "user__email"),
            **users_panel_context(
                request,
                invite_form=invite_form,
                page=request.GET.get("page"),
                alert_contacts=alert_contact_ids(partner),
            ),
        },
    )


@require_GET
@contact_information_not_required
def time_zone_names(request):
    """The suggestions of every time-zone input (a <datalist>), in the page's language: fetched by the page's
    script once it is shown, and kept by the browser for an hour (the offsets follow daylight saving)."""
    response = HttpResponse(time_zone_datalist(), content_type="text/html; charset=utf-8")
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


# --- Drafts: kept as the user types (static/contacts/drafts.js), and by the switches without JavaScript ---------


def safe_back(request):
    """The page to come back to (`back`, a path of this site), or the full contact form."""
    target = request.GET.get("back") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("contacts:edit")


@require_POST
@contact_information_not_required
@membership_required(role=Role.EDITOR)
def draft_autosave(request):
    """Keep the contact form as typed so far (posted by drafts.js); a form equal to what is stored is no draft."""
    kept = draft_keep(membership=request.membership, environment=request.environment, post=request.POST)
    return JsonResponse({"saved": kept is not None})


@require_POST
@contact_information_not_required
@membership_required(role=Role.EDITOR)
def draft_discard_view(request):
    """Discard the member's draft, and go back to the form as stored."""
    if draft_discard(membership=request.membership):
        messages.success(request, _("Draft discarded: the form shows the saved contact information."))
    return redirect(safe_back(request))


def switch_language(request, response, language):
    """Django's language switch, on `response`: the language cookie, and the member's language for emails."""
    if language not in dict(settings.LANGUAGES) or not check_for_language(language):
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    user_language_set(user=request.user, language=language)


@require_POST
@contact_information_not_required
@membership_required
def draft_switch(request):
    """The language or environment switch, pressed on the contact form: what was typed is kept as a draft, then
    the switch is made and the same page comes back (works without JavaScript)."""
    if request.membership.can_edit_contacts:
        # In the environment it was typed in, before switching.
        draft_keep(membership=request.membership, environment=request.environment, post=request.POST)
    response = redirect(safe_back(request))
    environment = request.POST.get("switch_environment")
    if environment in Environment.values:
        set_environment(request, environment)
    language = request.POST.get("switch_language")
    if language:
        switch_language(request, response, language)
    return response
