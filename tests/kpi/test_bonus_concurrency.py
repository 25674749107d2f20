"""Races on the bonus, with real threads on PostgreSQL: the database decides."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kpi import services
from kpi.models import Period, Statement
from tests.conftest import race
from tests.kpi.bonus_data import MARCH, BonusData

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_overlapping_periods_at_once_make_one(manager) -> None:
    april = services.Scheme(
        **{**MARCH.__dict__, "starts_on": date(2025, 3, 20), "ends_on": date(2025, 4, 20)}
    )
    results = race(
        lambda: services.period_create(scheme=MARCH, by=manager),
        lambda: services.period_create(scheme=april, by=manager),
    )
    assert sum(isinstance(r, Period) for r in results) == 1
    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(errors) == 1 and "starts_on" in errors[0].message_dict
    assert Period.objects.count() == 1


def test_two_drafts_approved_at_once_leave_one_approved(bonus_data: BonusData) -> None:
    d = bonus_data
    first = services.statement_create(period=d.period, by=d.manager)
    second = services.statement_create(period=d.period, by=d.manager)
    results = race(
        lambda: services.statement_approve(statement=first, by=d.manager),
        lambda: services.statement_approve(statement=second, by=d.manager),
    )
    assert sum(isinstance(r, Statement) for r in results) == 1
    assert sum(isinstance(r, services.Conflict) for r in results) == 1
    assert Statement.objects.filter(period=d.period, status="approved").count() == 1


def test_one_draft_approved_twice_at_once_is_approved_once(bonus_data: BonusData) -> None:
    d = bonus_data
    statement = services.statement_create(period=d.period, by=d.manager)
    results = race(
        lambda: services.statement_approve(statement=statement, by=d.manager),
        lambda: services.statement_approve(statement=statement, by=d.manager),
    )
    assert sum(isinstance(r, Statement) for r in results) == 1
    assert sum(isinstance(r, services.StatementLocked) for r in results) == 1


def test_statements_computed_at_once_get_distinct_versions(bonus_data: BonusData) -> None:
    d = bonus_data
    results = race(*[lambda: services.statement_create(period=d.period, by=d.manager)] * 3)
    assert sorted(r.version for r in results if isinstance(r, Statement)) == [1, 2, 3]


def test_a_deadlock_between_two_overlapping_inserts_reads_as_the_overlap(
    manager, monkeypatch
) -> None:
    """Concurrent inserts checked by an exclusion constraint can wait on each other; then
    PostgreSQL aborts one with a deadlock (40P01) rather than the violation. The loser is told
    its period overlaps, not served a 500; any other operational error still propagates."""
    import psycopg
    from django.db import OperationalError

    def deadlocked(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()

    monkeypatch.setattr(Period, "save", deadlocked)
    with pytest.raises(ValidationError) as refused:
        services.period_create(scheme=MARCH, by=manager)
    assert "starts_on" in refused.value.message_dict

    def unavailable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection") from psycopg.OperationalError()

    monkeypatch.setattr(Period, "save", unavailable)
    with pytest.raises(OperationalError):
        services.period_create(scheme=MARCH, by=manager)
    assert not Period.objects.exists()
