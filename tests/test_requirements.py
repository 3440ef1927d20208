"""Requirements with states and deadlines: one pure function says what is past due, currently due and eventually due."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from contacts.completeness import (
    GRACE_PERIOD,
    REQUIREMENTS,
    REVIEW,
    VERIFIED_SHARED,
    VERIFIED_TECHNICAL_EMERGENCY,
    ContactCounts,
    TrustFacts,
    requirements,
)
from partners.environments import Environment
from partners.integrations import get_integration

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
COMPLETE = ContactCounts(
    alert=1,
    technical_emergency=1,
    technical_non_emergency=1,
    merchant_issues=1,
    operator=1,
    shared=1,
    support_24_7=True,
)
VERIFIED = {"verified_technical_emergency": 1, "verified_shared": 1}
RESERVATIONS = get_integration("reservations")


def answer(environment=Environment.PRODUCTION, now=NOW, **facts):
    facts = {"counts": COMPLETE, **VERIFIED, **facts}
    return requirements(TrustFacts(**facts), integration=RESERVATIONS, environment=environment, now=now)


def days_ago(days):
    return NOW - timedelta(days=days)


def test_a_new_partner_has_everything_past_due_at_once():
    result = answer(counts=ContactCounts(), verified_technical_emergency=0, verified_shared=0)
    assert result.past_due == result.missing
    assert "technical_emergency_required" in result.past_due
    assert result.currently_due == result.eventually_due == ()
    assert result.as_json()["current_deadline"] is None


def test_complete_verified_and_recently_reviewed_is_due_nothing():
    result = answer(reviewed_at=days_ago(10), launched=True)
    assert (result.past_due, result.currently_due, result.eventually_due) == ((), (), ())
    assert result.changes_at == days_ago(10) + timedelta(days=335)


def test_the_review_is_eventually_due_from_day_335():
    assert answer(reviewed_at=days_ago(334)).eventually_due == ()
    result = answer(reviewed_at=days_ago(335))
    assert result.eventually_due == (REVIEW,)
    assert result.past_due == result.currently_due == ()
    assert result.changes_at == days_ago(335) + timedelta(days=365)


def test_the_review_is_currently_due_from_day_365_with_its_deadline_on_day_395():
    result = answer(reviewed_at=days_ago(365))
    assert result.currently_due == (REVIEW,)
    assert result.past_due == ()
    assert result.current_deadline == days_ago(365) + timedelta(days=395)
    assert result.as_json()["current_deadline"] == (days_ago(365) + timedelta(days=395)).isoformat()
    assert result.changes_at == result.current_deadline


def test_the_review_is_past_due_after_its_deadline():
    given = days_ago(30) + timedelta(days=395 - 365)  # given when it became due, 30 days ago: passed now
    result = answer(reviewed_at=days_ago(395), deadlines={REVIEW: given})
    assert result.past_due == (REVIEW,)
    assert result.currently_due == ()
    assert result.missing == ()
    assert result.deadlines == {REVIEW: given}  # kept while unmet


def test_a_review_long_overdue_when_first_found_gives_notice_rather_than_locking():
    result = answer(reviewed_at=days_ago(800), launched=True)
    assert result.past_due == ()
    assert result.currently_due == (REVIEW,)
    assert result.current_deadline == NOW + GRACE_PERIOD


def test_the_review_applies_in_both_environments():
    for environment in Environment:
        assert answer(environment, reviewed_at=days_ago(400), deadlines={REVIEW: NOW}).past_due == (REVIEW,)


def test_before_launch_verification_is_eventually_due_in_production_only():
    result = answer(verified_technical_emergency=0, verified_shared=0)
    assert result.eventually_due == (VERIFIED_TECHNICAL_EMERGENCY, VERIFIED_SHARED)
    assert result.past_due == result.currently_due == ()
    assert answer(Environment.SANDBOX, verified_technical_emergency=0, verified_shared=0).eventually_due == ()


def test_a_missing_category_is_missing_not_unverified():
    result = answer(counts=ContactCounts(**{**COMPLETE.__dict__, "technical_emergency": 0}), **{})
    assert "technical_emergency_required" in result.past_due
    assert VERIFIED_TECHNICAL_EMERGENCY not in result.eventually_due + result.currently_due + result.past_due


def test_a_live_partner_gets_a_grace_period_for_a_new_requirement():
    result = answer(launched=True, verified_shared=0)
    assert result.currently_due == (VERIFIED_SHARED,)
    assert result.deadlines == {VERIFIED_SHARED: NOW + GRACE_PERIOD}
    assert result.current_deadline == NOW + GRACE_PERIOD
    assert result.past_due == ()


def test_a_given_deadline_is_kept_and_past_it_the_requirement_blocks():
    given_at = NOW + timedelta(days=3)
    kept = answer(launched=True, verified_shared=0, deadlines={VERIFIED_SHARED: given_at})
    assert kept.current_deadline == given_at
    passed = answer(launched=True, verified_shared=0, deadlines={VERIFIED_SHARED: NOW - timedelta(seconds=1)})
    assert passed.past_due == (VERIFIED_SHARED,)
    assert passed.currently_due == ()
    assert passed.deadlines == {VERIFIED_SHARED: NOW - timedelta(seconds=1)}  # kept while unmet


def test_a_met_requirement_forgets_its_deadline():
    assert answer(launched=True, deadlines={VERIFIED_SHARED: NOW}).deadlines == {}


def test_the_current_deadline_is_the_earliest():
    result = answer(
        launched=True,
        verified_shared=0,
        reviewed_at=days_ago(380),
        deadlines={VERIFIED_SHARED: NOW + timedelta(days=20)},
    )
    assert set(result.currently_due) == {REVIEW, VERIFIED_SHARED}
    assert result.deadlines[REVIEW] == NOW + GRACE_PERIOD  # first found due today, past its day 395
    assert result.current_deadline == NOW + timedelta(days=20)  # the earlier of the two


def test_every_code_has_a_message():
    for code in (REVIEW, VERIFIED_SHARED, VERIFIED_TECHNICAL_EMERGENCY):
        assert str(REQUIREMENTS[code].message)


moments = (
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)) | st.none()
)
counts = st.builds(
    ContactCounts,
    alert=st.integers(0, 2),
    technical_emergency=st.integers(0, 2),
    technical_non_emergency=st.integers(0, 2),
    merchant_issues=st.integers(0, 2),
    operator=st.integers(0, 2),
    shared=st.integers(0, 2),
    support_windows=st.integers(0, 2),
    support_24_7=st.booleans(),
)


@given(
    counts=counts,
    te=st.integers(0, 2),
    shared=st.integers(0, 2),
    reviewed_at=moments,
    launched=st.booleans(),
    deadline=moments,
    environment=st.sampled_from(list(Environment)),
)
def test_states_never_overlap_and_deadlines_lie_ahead(counts, te, shared, reviewed_at, launched, deadline, environment):
    deadlines = {VERIFIED_SHARED: deadline} if deadline else {}
    result = answer(
        environment,
        counts=counts,
        verified_technical_emergency=te,
        verified_shared=shared,
        reviewed_at=reviewed_at,
        launched=launched,
        deadlines=deadlines,
    )
    states = [set(result.past_due), set(result.currently_due), set(result.eventually_due)]
    assert sum(len(s) for s in states) == len(set().union(*states))
    assert set(result.missing) <= set(result.past_due)
    assert all(code in REQUIREMENTS for code in result.past_due + result.currently_due + result.eventually_due)
    assert all(result.deadlines[code] > NOW for code in result.currently_due)
    assert result.changes_at is None or result.changes_at > NOW
    if not launched:
        assert not {VERIFIED_SHARED, VERIFIED_TECHNICAL_EMERGENCY} & set(result.past_due + result.currently_due)
