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
