"""What the users panel shows, in Settings › Users and in the onboarding modal's Users tab.

A page of members costs what a page costs, whatever the partner's size: one query reads the page's rows with the
member count and who among them is an alert contact, and the rows are drawn by their partial once per kind of
row (an Admin, a Viewer, you…), each rendering then filled in per member (StampedRows).
"""

import html
import secrets
from dataclasses import dataclass, fields, replace

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, Q, Subquery
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from accounts.navigation import parse_small_int
from partners.forms import InvitationForm
from partners.models import Membership, Role, name_and_email

MEMBERS_PER_PAGE = 50
MEMBER_ROW = "partners/_users_panel.html#member_row"
# What a row of the members table is drawn from (MemberRow.of).
MEMBER_VALUES = ("pk", "role", "user_id", "user__name", "user__email", "user__last_login")
# A page number beyond this is no partner's: Paginator.get_page answers it (with the last page).
PAGE_LIMIT = 10**6


def users_panel_context(request, *, alert_contacts, invite_form=None, page=None):
    """A page of members, the pending invitations and, for Admins, the invitation form.

    `alert_contacts`: the ids of the partner's alert contacts (a query of "user" values), which the contact
    information knows: removing one takes that role away too, and the question says so.
    """
    membership = request.membership
    partner = membership.partner
    members = members_page(partner, page, viewer=request.user, alert_contacts=alert_contacts)
    if invite_form is None and membership.can_manage_users:
        invite_form = InvitationForm(membership=membership)
    return {
        "members": members,
        "member_rows": StampedRows(MEMBER_ROW, members.object_list, name="member"),
        # Each row says when its email is not delivered yet: the email comes in the same query. Asked for only
        # while the partner says an invitation may be pending.
        "invitations": partner.invitations.pending().select_related("invited_by", "message")
        if partner.may_have_pending_invitations
        else (),
        "invite_form": invite_form,
        "roles": Role.choices,
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
    }


def members_page(partner, number, *, viewer, alert_contacts):
    """Page `number` of the partner's members, by name then email, as MemberRows seen by `viewer`.

    A number in digits (or none: the first page) is read at once, the member count with the rows. Anything else,
    or a page past the last, is answered as Paginator.get_page answers it: the count first, then the rows.
    """
    paginator = Paginator(member_values(partner, alert_contacts), MEMBERS_PER_PAGE)
    wanted = parse_small_int(number, limit=PAGE_LIMIT) if number else 1
    rows = []
    if wanted:
        start = (wanted - 1) * MEMBERS_PER_PAGE
        rows = list(paginator.object_list[start : start + MEMBERS_PER_PAGE])
    if rows:
        paginator.count = rows[0]["member_count"]
        page = Page(rows, wanted, paginator)
    else:
        page = paginator.get_page(number)
    urls = {"role_url": url_for_each("portal:member_role"), "remove_url": url_for_each("portal:member_remove")}
    page.object_list = [MemberRow.of(values, viewer=viewer, **urls) for values in page.object_list]
    return page


def member_values(partner, alert_contacts):
    """The partner's members as the table shows them, each with the member count and whether an alert contact
    (among `alert_contacts`, a query of user ids)."""
    count = Membership.objects.filter(partner=partner).order_by().annotate(n=RowCount()).values("n")
    return (
        partner.memberships.order_by("user__name", "user__email", "pk")
        .annotate(member_count=Subquery(count), is_alert_contact=Q(user__in=alert_contacts))
        .values(*MEMBER_VALUES, "member_count", "is_alert_contact")
    )


class RowCount(Func):
    """COUNT(*) of a subquery's rows: Count, an aggregate, would add a GROUP BY that costs more than the count."""

    template = "COUNT(*)"
    output_field = IntegerField()


# Any pk would do: it stands for each member's in the URL reversed once.
URL_MARKER = 987654321


def url_for_each(name):
    """reverse(name, args=[pk]) as a function of pk, at the cost of one reverse(): the slow part of a row."""
    before, _marker, after = reverse(name, args=[URL_MARKER]).rpartition(str(URL_MARKER))
    return lambda pk: f"{before}{pk}{after}"


@dataclass(slots=True)
class MemberRow:
    """One row of the members table: what its partial draws, read without model instances."""

    pk: int
    name: str
    email: str
    person: str  # how the question before removing names them (person_display)
    role: str
    last_login: str  # when they last signed in, as the |date filter writes it; "" for never
    role_url: str
    remove_url: str
    is_self: bool
    is_alert_contact: bool

    # Drawn as they are (escaped) wherever the partial shows them, which may test them for truth only. The other
    # fields decide which markup a row gets (StampedRows).
    SLOTS = ("pk", "name", "email", "person", "last_login", "role_url", "remove_url")

    @classmethod
    def of(cls, values, *, viewer, role_url, remove_url):
        """The row of one member read by member_values, as `viewer` sees it; the URLs are functions of the pk."""
        pk, name, email = values["pk"], values["user__name"], values["user__email"]
        last_login = values["user__last_login"]
        return cls(
            pk=pk,
            name=name,
            email=email,
            person=name_and_email(name, email),  # as person_display names them
            role=values["role"],
            last_login=date_format(localtime(last_login), "SHORT_DATETIME_FORMAT") if last_login else "",
            role_url=role_url(pk),
            remove_url=remove_url(pk),
            is_self=values["user_id"] == viewer.pk,
            is_alert_contact=bool(values["is_alert_contact"]),
        )

    @property
    def role_display(self):
        return Role(self.role).label

    def shape(self):
        """What decides the row's markup: the fields that are not slots, and which slots are empty."""
        return tuple(not getattr(self, name) if is_slot else getattr(self, name) for name, is_slot in _FIELDS)

    def slots(self):
        """Each slot as the template writes a value: escaped."""
        return {name: html.escape(str(getattr(self, name))) for name in self.SLOTS}


_FIELDS = tuple((field.name, field.name in MemberRow.SLOTS) for field in fields(MemberRow))


class StampedRows:
    """Rows drawn by one partial in the page's context, at the cost of one rendering per kind of row.

    `{% include rows %}` draws them. Each kind of row (`row.shape()`) is rendered once, with a marker standing
    for each slot that is not empty; each row of that kind is that rendering with its slots filled in, escaped as
    the template escapes a value. So the partial may show a slot or test it for truth, nothing else: drawing
    refuses a rendering that does not give back each marker as it was.
    """

    MARK = f"\x00{secrets.token_hex(6)}\x00"  # drawn per process: no name, email or `next` can hold it

    def __init__(self, partial, rows, *, name):
        self.partial, self.rows, self.name = partial, rows, name

    def render(self, context):
        partial = context.template.engine.get_template(self.partial)
        kinds = {}
        drawn = []
        for row in self.rows:
            kind = row.shape()
            if (parts := kinds.get(kind)) is None:
                parts = kinds[kind] = self.parts(partial, context, row)
            slots = row.slots()
            # Even parts are markup, odd ones name a slot.
            drawn += [slots[part] if i % 2 else part for i, part in enumerate(parts)]
        return SafeString("".join(drawn))

    def parts(self, partial, context, row):
        """The row's kind rendered once, split at its slots: markup, slot name, markup, … markup."""
        marked = {name: SafeString(f"{self.MARK}{name}{self.MARK}") for name in row.SLOTS if getattr(row, name)}
        with context.push({self.name: replace(row, **marked)}):
            parts = partial.render(context).split(self.MARK)
        if any(slot not in marked for slot in parts[1::2]) or any("\x00" in markup for markup in parts[::2]):
            raise ValueError(f"{self.partial} changes a slot: it may only show one, or test it for truth.")
        return parts
