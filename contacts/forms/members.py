"""Alert contacts: portal users of the partner, chosen where alert contacts exist (Production).

A partner may have thousands of members, so the section never lists them all: it shows the chosen ones and a
search over the others (a combobox with JavaScript, a paged list of checkboxes without). Only when every
member fits on one page are they simply listed, ticked or not.
"""

import hashlib
from dataclasses import dataclass
from functools import cache

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.forms import Form
from accounts.models import User
from accounts.navigation import parse_small_int
from contacts import categories as c
from contacts.forms.base import Section
from contacts.forms.fields import ID_LIMIT
from contacts.models import ContactInformation
from partners.models import Membership, name_and_email, person_display

# Members shown at once: a page of the no-JavaScript list, the most the search endpoint returns.
PAGE_SIZE = 20
# The no-JavaScript "Search members", "Next" and "Previous" buttons: their value is the page to show.
SEARCH_BUTTON = "search_members"
SEARCH_FIELD = "general-member_search"
# A longer search term finds no one anyway; cut it before it reaches the database.
MAX_TERM_LENGTH = 100
PAGE_LIMIT = 10**6


def partner_members(partner):
    """The users who are members of `partner`, by name then email."""
    return User.objects.filter(memberships__partner=partner).order_by("name", "email")


def members_matching(members, term):
    """The `members` whose name or email contains `term`, ignoring case; all of them for an empty term."""
    term = (term or "").strip()[:MAX_TERM_LENGTH]
    if not term:
        return members
    return members.filter(Q(name__icontains=term) | Q(email__icontains=term))


# How a member is named in the lists: 'Name (email)', or the email alone.
member_label = person_display


def is_member_search(data):
    """Whether a post only asked to search the members (no JavaScript): show it again unjudged, like add_row."""
    return bool(data.get(SEARCH_BUTTON))


@dataclass(frozen=True)
class MemberSearch:
    """The search over members asked for without JavaScript: the term, and the page of matches to show (or None)."""

    term: str = ""
    page: int | None = None

    @classmethod
    def from_post(cls, data):
        """The search a post carries: the typed term, and the page named by the button pressed, if any."""
        term = str(data.get(SEARCH_FIELD) or "")[:MAX_TERM_LENGTH]
        page = parse_small_int(str(data.get(SEARCH_BUTTON) or ""), limit=PAGE_LIMIT) if is_member_search(data) else None
        return cls(term=term, page=max(page, 1) if page is not None else None)

    @classmethod
    def from_shown(cls, shown):
        """The search a section showed, to show it again."""
        return cls(term=shown.get("search") or "", page=shown.get("page"))


@dataclass(frozen=True)
class MemberChoice:
    """One member as a checkbox of the alert contacts (or, when `chosen_above`, as a note of a chosen one)."""

    pk: int
    label: str
    checked: bool = False
    chosen_above: bool = False


def listing_query(info_id, partner_id):
    """The members the picker shows as stored: (pk, name, email, chosen), by name and email. The chosen ones (each
    checked to be a member) and any PAGE_SIZE + 1 members, each read by its index and joined to their users by
    primary key: never a pass over every member, or every user (an OR of the two would be one, on PostgreSQL)."""
    chosen = ContactInformation.alert_contacts.through.objects.filter(contactinformation=info_id)
    memberships = Membership.objects.filter(partner=partner_id).order_by()
    chosen_members = chosen.filter(Exists(memberships.filter(user=OuterRef("user")))).values("user")
    some = memberships.values("user")[: PAGE_SIZE + 1]
    columns = ("pk", "name", "email", "is_chosen")
    is_chosen = Exists(chosen.filter(user=OuterRef("pk")))
    first = User.objects.filter(pk__in=chosen_members).annotate(is_chosen=is_chosen).values_list(*columns)
    others = User.objects.filter(pk__in=some).annotate(is_chosen=is_chosen).values_list(*columns)
    return first.union(others).order_by("name", "email")


# Stand-ins for the two ids in the query compiled once (listing_sql); no row has a negative id.
INFO_ID, PARTNER_ID = -7301, -7302


@cache
def listing_sql(vendor):
    """listing_query's SQL and parameters for this database, built once per process with stand-in ids (every
    contact page runs it, and the ORM took longer to build it than the database takes to answer it)."""
    sql, params = listing_query(INFO_ID, PARTNER_ID).query.sql_with_params()
    if not {INFO_ID, PARTNER_ID} <= set(params):
        raise ImproperlyConfigured("The alert contacts' listing query no longer takes its ids as parameters.")
    return sql, params


@dataclass(frozen=True)
class MemberListing:
    """The alert contacts' picker as stored, in one query whatever the number of members: the chosen members,
    and every member when they fit on one page. Rows are (pk, label, chosen), chosen first, then by name, email.

    The query reads the chosen members and any PAGE_SIZE + 1 others: more than PAGE_SIZE rows mean more members
    than a page holds, and then only the chosen ones are shown.
    """

    rows: tuple
    everyone: bool  # whether the rows are every member (else only the chosen ones)

    @classmethod
    def load(cls, info):
        sql, params = listing_sql(connection.vendor)
        ids = {INFO_ID: info.pk, PARTNER_ID: info.partner_id}
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids.get(param, param) for param in params])
            rows = cursor.fetchall()
        rows = sorted(rows, key=lambda row: not row[3])  # chosen first, each part still by name and email
        if len(rows) > PAGE_SIZE:
            rows = [row for row in rows if row[3]]
            everyone = False
        else:
            everyone = True
        return cls(tuple((pk, name_and_email(name, email), bool(ticked)) for pk, name, email, ticked in rows), everyone)

    @property
    def chosen_ids(self):
        return [pk for pk, _label, chosen in self.rows if chosen]

    @property
    def digest(self):
        """What the picker shows, as a short text that changes whenever it would."""
        return hashlib.sha256(repr((self.rows, self.everyone)).encode()).hexdigest()[:32]

    def choices(self):
        """(chosen, everyone): the chosen members, ticked; and every member when they fit on a page, else None."""
        chosen = [MemberChoice(pk, label, checked=True) for pk, label, ticked in self.rows if ticked]
        everyone = (
            [MemberChoice(pk, label, checked=ticked) for pk, label, ticked in self.rows] if self.everyone else None
        )
        return chosen, everyone


class AlertContactsField(forms.ModelMultipleChoiceField):
    """Portal users of the partner, shown as name and email; checked against the members, never listing them."""

    def clean(self, value):
        # Refuse what cannot be an id before the database sees it.
        if isinstance(value, list | tuple) and any(parse_small_int(str(pk), limit=ID_LIMIT) is None for pk in value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)

    def label_from_instance(self, obj):
        return member_label(obj)


class AlertContactsForm(Form):
    """Alert contacts: chosen among the partner's portal users."""

    alert_contacts = AlertContactsField(
        label=c.ALERT.label,
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose alert contacts among the users of this account."),
            "invalid_pk_value": _("Choose alert contacts among the users of this account."),
        },
    )

    def __init__(self, *args, members, editable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert_contacts"].queryset = members
        self.fields["alert_contacts"].disabled = not editable

    def chosen_ids(self):
        """The ids the form holds now (posted, shown or stored), as numbers; what is no id is left out."""
        values = self["alert_contacts"].value() or []
        ids = (parse_small_int(str(value), limit=ID_LIMIT) for value in values)
        return list(dict.fromkeys(pk for pk in ids if pk is not None))


class MembersSection(Section):
    """Alert contacts: portal users, chosen only where alert contacts exist (Production).

    Drawn from a constant number of queries whatever the number of members: the chosen ones, then either
    every member (when they fit on a page) or, after a search without JavaScript, one page of matches.
    """

    template_name = "contacts/_section_members.html"
    cacheable = False  # depends on the members, not on the version
    search_field, search_button, search_max_length = SEARCH_FIELD, SEARCH_BUTTON, MAX_TERM_LENGTH
    search_id = f"id_{SEARCH_FIELD}"

    def build(self, data, shown):
        # Where they cannot be chosen, the stored ones are shown whatever was posted.
        editable = self.page.alerts_editable
        chosen = shown["alert_contacts"] if shown is not None and editable else self.page.alert_ids
        if not editable:
            self.search = MemberSearch()
        elif shown is not None:
            self.search = MemberSearch.from_shown(shown)
        elif data is not None:
            self.search = MemberSearch.from_post(data)
        else:
            self.search = MemberSearch()
        self.form = AlertContactsForm(
            data,
            prefix="general",
            members=self.page.members,
            editable=editable,
            initial={"alert_contacts": chosen},
        )
        self._drawn = None

    @property
    def editable(self):
        """Whether alert contacts can be chosen here (Production, by an Editor or Admin)."""
        return self.page.alerts_editable

    def _draw(self):
        # Read once, when the template first asks: validation alone never needs these queries.
        if self._drawn is None:
            self._drawn = self._lists()
        return self._drawn

    def _lists(self):
        members = self.page.members.only("pk", "name", "email")
        chosen_ids = self.form.chosen_ids()
        listing = self.page.listing
        if listing is not None and self.search.page is None and chosen_ids == listing.chosen_ids:
            chosen, everyone = listing.choices()  # the stored picker, read already
            return {"chosen": chosen, "everyone": everyone, "results": None, "result_choices": None}
        if self.search.page is not None:
            # Asked without JavaScript: the chosen ones, then one page of matches (where the chosen are noted).
            chosen = list(members.filter(pk__in=chosen_ids)) if chosen_ids else []
            chosen_set = {user.pk for user in chosen}
            matches = Paginator(members_matching(members, self.search.term), PAGE_SIZE).get_page(self.search.page)
            choices = [
                MemberChoice(user.pk, member_label(user), chosen_above=user.pk in chosen_set) for user in matches
            ]
            everyone = None
        else:
            # One query: the chosen ones first, then enough others to know whether every member fits on a page.
            if chosen_ids:
                is_chosen = ExpressionWrapper(Q(pk__in=chosen_ids), output_field=BooleanField())
                members = members.alias(is_chosen=is_chosen).order_by("-is_chosen", "name", "email")
            rows = list(members[: len(chosen_ids) + PAGE_SIZE + 1])
            wanted = set(chosen_ids)
            chosen = [user for user in rows if user.pk in wanted]
            chosen_set = {user.pk for user in chosen}
            everyone = (
                [MemberChoice(user.pk, member_label(user), checked=user.pk in chosen_set) for user in rows]
                if len(rows) <= PAGE_SIZE  # fewer than asked for: these are all the members
                else None
            )
            matches = choices = None
        return {
            "chosen": [MemberChoice(user.pk, member_label(user), checked=True) for user in chosen],
            "everyone": everyone,
            "results": matches,
            "result_choices": choices,
        }

    @property
    def chosen(self):
        """The chosen members, ticked, by name: every one the form holds that is a member."""
        return self._draw()["chosen"]

    @property
    def everyone(self):
        """Every member (the chosen ones first), when they all fit on one page and no search was asked; else None."""
        return self._draw()["everyone"]

    @property
    def results(self):
        """The page of members matching the search asked without JavaScript (a Paginator page), or None."""
        return self._draw()["results"]

    @property
    def result_choices(self):
        """The members of `results` as choices: unticked, or noted as chosen already."""
        return self._draw()["result_choices"]

    @property
    def badge(self):
        return "" if self.page.environment.has_alert_contacts else _("Production only")

    def parts(self):
        return [self.form]

    def counts(self):
        chosen = self.form.cleaned_data.get("alert_contacts") if self.form.is_valid() else None
        return {"alert": len(chosen if chosen is not None else self.form["alert_contacts"].value() or [])}

    def error_summary(self):
        label, anchor = self.category.label, f"#{self.category.anchor}"
        messages = [*self.errors, *self.form.errors.get("alert_contacts", [])]
        return [(anchor, f"{label}: {message}") for message in messages]

    def shown(self):
        return {
            "alert_contacts": self.form["alert_contacts"].value(),
            "search": self.search.term,
            "page": self.search.page,
        }

    def save(self):
        if self.page.alerts_editable:
            self.page.info.alert_contacts.set(self.form.cleaned_data["alert_contacts"])
