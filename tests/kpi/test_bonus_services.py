"""Periods, KPIs, statements and the lock, through the services and the database."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.models import Dispute
from kpi import services
from kpi.models import Period, Rating, Statement, StatementLine
from kpi.scorecard import scorecard
from org.models import Notification
from tests.factories import UserFactory
from tests.kpi.bonus_data import MARCH, BonusData

pytestmark = pytest.mark.django_db


def scheme(**changes: object) -> services.Scheme:
    values = {**MARCH.__dict__, **changes}
    return services.Scheme(**values)  # type: ignore[arg-type]


# --- Periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": date(2025, 2, 28)}, "ends_on"),
        ({"pool_percent": Decimal("100.01")}, "pool_percent"),
        ({"marketing_share": Decimal("-1")}, "marketing_share"),
        ({"revenue_goal": Decimal("-0.01")}, "revenue_goal"),
        ({"steps": ((Decimal(0), Decimal(-1)),)}, "steps"),
        ({"steps": ((Decimal(0), Decimal(1)), (Decimal(0), Decimal(2)))}, "steps"),
        ({"steps": ((Decimal("0.5"), Decimal(1)),)}, "steps"),
        ({"weights": {"revenue": Decimal("-5")}}, "weights"),
    ],
)
def test_bad_schemes_are_refused_and_nothing_is_written(manager, changes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.period_create(scheme=scheme(**changes), by=manager)
    assert field in caught.value.message_dict
    assert not Period.objects.exists()


def test_overlapping_periods_are_refused_by_the_service(manager) -> None:
    services.period_create(scheme=MARCH, by=manager)
    for starts_on, ends_on in (
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 2, 1), date(2025, 3, 1)),
    ):
        with pytest.raises(ValidationError) as caught:
            services.period_create(scheme=scheme(starts_on=starts_on, ends_on=ends_on), by=manager)
        assert "starts_on" in caught.value.message_dict
    # The next day on is fine: dates are inclusive, 03-31 and 04-01 do not overlap.
    services.period_create(
        scheme=scheme(starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 30)), by=manager
    )
    assert Period.objects.count() == 2


def test_overlapping_periods_are_refused_by_the_database(manager) -> None:
    services.period_create(scheme=MARCH, by=manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(
            starts_on=date(2025, 3, 15),
            ends_on=date(2025, 4, 15),
            revenue_goal=0,
            pool_percent=1,
            marketing_share=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.filter(starts_on=date(2025, 3, 1)).update(ends_on=date(2025, 2, 1))


def test_default_step_is_attainment_zero_times_one(manager) -> None:
    period = services.period_create(scheme=scheme(steps=services.DEFAULT_STEPS), by=manager)
    assert list(period.steps.values_list("attainment", "multiplier")) == [
        (Decimal("0"), Decimal("1"))
    ]


# --- KPIs --------------------------------------------------------------------------------------


def test_kpi_inputs_are_exact_on_known_data(bonus_data: BonusData) -> None:
    d = bonus_data
    card = scorecard(period=d.period)
    assert card.revenue == Decimal("1200.00")
    assert card.as_dict()["marketing"] == {
        "leads": 6,
        "upheld_disputes": 1,
        "counted_leads": 5,
        "deals": 3,
        "lead_to_deal_rate": "0.6000",
    }
    m1, m2, mh = (card.marketer(u.pk) for u in (d.m1, d.m2, d.mh))
    assert m1 and (m1.leads, m1.upheld_disputes, m1.counted_leads, m1.deals) == (3, 1, 2, 2)
    assert m1.revenue == Decimal("1200.00") and m1.cost_per_sale == Decimal("150.00")
    assert m2 and (m2.leads, m2.counted_leads, m2.deals, m2.revenue) == (2, 2, 1, Decimal(0))
    assert mh and (mh.leads, mh.deals, mh.lead_to_deal_rate) == (0, 0, None)
    sales = {row["user"]: row for row in card.as_dict()["sales"]}
    assert sales[d.s1.pk] == {
        "user": d.s1.pk,
        "revenue": "800.00",
        "sla_met_rate": "0.6667",
        "crm_hygiene": "1.0000",
        "communication": 80,
        "objections": 60,
    }
    assert sales[d.s2.pk] == {
        "user": d.s2.pk,
        "revenue": "400.00",
        "sla_met_rate": "0.6667",
        "crm_hygiene": "0.3333",
        "communication": 50,
        "objections": 100,
    }
    assert sales[d.sh.pk]["sla_met_rate"] is None and sales[d.sh.pk]["crm_hygiene"] is None


def test_upheld_disputes_leave_marketing_counted_leads_and_rejected_ones_stay(
    bonus_data: BonusData,
) -> None:
    d = bonus_data
    # given: A2 upheld (out), A3 rejected (in)
    before = scorecard(period=d.period)
    assert (before.marketing.counted_leads, before.marketer(d.m1.pk).counted_leads) == (5, 2)  # type: ignore[union-attr]
    # when: the rejected one is upheld after all
    Dispute.objects.filter(lead=d.leads["A3"]).update(status=Dispute.Status.UPHELD)
    after = scorecard(period=d.period)
    # then: A3 and its deal leave marketing's figures
    assert (after.marketing.upheld_disputes, after.marketing.counted_leads) == (2, 4)
    assert after.marketing.deals == 2
    m1 = after.marketer(d.m1.pk)
    assert m1 and (m1.counted_leads, m1.deals) == (1, 1)
    # An undecided dispute changes nothing.
    Dispute.objects.filter(lead=d.leads["A2"]).update(status=Dispute.Status.CONTESTED)
    assert scorecard(period=d.period).marketing.upheld_disputes == 1


def test_statement_worked_example(bonus_data: BonusData) -> None:
    d = bonus_data
    statement = services.statement_create(period=d.period, by=d.manager)
    assert (statement.version, statement.status) == (1, Statement.Status.DRAFT)
    assert statement.revenue == Decimal("1200.00")
    assert statement.attainment == Decimal("1.2000")
    assert statement.multiplier == Decimal("1.5")
    assert (statement.pool, statement.marketing_pool, statement.sales_pool) == (
        Decimal("180.00"),
        Decimal("72.00"),
        Decimal("108.00"),
    )
    amounts = {line.user_id: line.amount for line in statement.lines.all()}
    assert amounts == {
        d.m1.pk: Decimal("36.00"),
        d.m2.pk: Decimal("24.00"),
        d.mh.pk: Decimal("12.00"),
        d.s1.pk: Decimal("65.65"),
        d.s2.pk: Decimal("42.35"),
        d.sh.pk: Decimal("0.00"),
    }
    s1 = statement.lines.get(user=d.s1)
    assert s1.department == "sales"
    assert s1.breakdown["inputs"]["revenue"] == "800.00"
    assert s1.breakdown["score"] == "72.333333"
    assert s1.breakdown["team_score"] == "119.000000"
    assert "largest remainder" in s1.breakdown["formula"]


def test_same_data_same_lines_and_versions_count_up(bonus_data: BonusData) -> None:
    d = bonus_data
    first = services.statement_create(period=d.period, by=d.manager)
    second = services.statement_create(period=d.period, by=d.manager)
    assert (first.version, second.version) == (1, 2)

    def lines(s: Statement) -> list[tuple]:
        return list(
            s.lines.order_by("user_id").values_list("user_id", "department", "amount", "breakdown")
        )

    assert lines(first) == lines(second)


def test_statement_for_a_period_with_no_members_is_refused(manager) -> None:
    period = services.period_create(scheme=MARCH, by=manager)
    with pytest.raises(ValidationError):
        services.statement_create(period=period, by=manager)
    assert not Statement.objects.exists()


def test_ratings_are_checked(bonus_data: BonusData) -> None:
    d = bonus_data
    with pytest.raises(ValidationError) as caught:
        services.rating_set(period=d.period, user=d.m1, communication=50, objections=50, by=d.sh)
    assert "user" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.rating_set(period=d.period, user=d.s1, communication=101, objections=-1, by=d.sh)
    assert set(caught.value.message_dict) == {"communication", "objections"}
    with pytest.raises(PermissionError):
        services.rating_set(period=d.period, user=d.s1, communication=1, objections=1, by=d.s2)
    assert Rating.objects.get(period=d.period, user=d.s1).communication == 80


# --- Approval and the lock --------------------------------------------------------------------


def test_an_approved_statement_never_changes(bonus_data: BonusData) -> None:
    d = bonus_data
    statement = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    before = list(statement.lines.values_list("user_id", "amount", "breakdown"))
    # Later payments, ratings and new versions leave it as it was.
    services.rating_set(period=d.period, user=d.s2, communication=0, objections=0, by=d.sh)
    newer = services.statement_create(period=d.period, by=d.manager)
    assert newer.version == 2
    statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED
    assert list(statement.lines.values_list("user_id", "amount", "breakdown")) == before

    # The service refuses a repeat approval and the approval of a second statement.
    with pytest.raises(services.StatementLocked):
        services.statement_approve(statement=statement, by=d.manager)
    with pytest.raises(services.Conflict):
        services.statement_approve(statement=newer, by=d.manager)
    with pytest.raises(services.StatementLocked):
        services.statement_delete(statement=statement)
    newer.refresh_from_db()
    assert newer.status == Statement.Status.DRAFT


def test_the_database_refuses_raw_changes_to_an_approved_statement(bonus_data: BonusData) -> None:
    d = bonus_data
    statement = services.statement_create(period=d.period, by=d.manager)
    draft = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    attempts = [
        lambda: Statement.objects.filter(pk=statement.pk).update(pool=Decimal("1.00")),
        lambda: Statement.objects.filter(pk=statement.pk).update(status="draft"),
        lambda: Statement.objects.filter(pk=statement.pk).delete(),
        lambda: StatementLine.objects.filter(statement=statement).update(amount=Decimal("0")),
        lambda: StatementLine.objects.filter(statement=statement).delete(),
        lambda: StatementLine.objects.create(
            statement=statement, user=UserFactory(role="sales"), department="sales", amount=1
        ),
        lambda: StatementLine.objects.filter(statement=draft).update(statement=statement),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    statement.refresh_from_db()
    assert statement.pool == Decimal("180.00") and statement.lines.count() == 6
    # A draft may still change or go.
    StatementLine.objects.filter(statement=draft).update(amount=Decimal("0"))
    services.statement_delete(statement=draft)


def test_the_database_allows_one_approved_statement_per_period(bonus_data: BonusData) -> None:
    d = bonus_data
    first = services.statement_create(period=d.period, by=d.manager)
    second = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=first, by=d.manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=second.pk).update(
            status="approved", approved_at=datetime(2025, 4, 2, tzinfo=UTC)
        )


# --- Closing and the period-end sweep --------------------------------------------------------


def test_closing_needs_an_approved_statement_and_happens_once(bonus_data: BonusData) -> None:
    d = bonus_data
    with pytest.raises(ValidationError):
        services.period_close(period=d.period, by=d.manager)
    statement = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    assert services.period_close(period=d.period, by=d.manager).status == Period.Status.CLOSED
    with pytest.raises(services.Conflict):
        services.period_close(period=d.period, by=d.manager)


def test_period_end_sweep_drafts_and_reminds_once(bonus_data: BonusData) -> None:
    d = bonus_data
    still_running = datetime(2025, 3, 31, 12, tzinfo=UTC)
    assert services.period_end_sweep(now=still_running) == {"drafted": 0, "reminded": 0}
    after = datetime(2025, 4, 2, 9, tzinfo=UTC)
    assert services.period_end_sweep(now=after) == {"drafted": 1, "reminded": 1}
    assert services.period_end_sweep(now=after) == {"drafted": 0, "reminded": 0}
    assert Statement.objects.filter(period=d.period).count() == 1
    reminders = Notification.objects.filter(recipient=d.manager)
    assert reminders.count() == 1
    assert "without an approved bonus statement" in reminders.get().subject


def test_period_end_sweep_leaves_settled_periods_alone(bonus_data: BonusData) -> None:
    d = bonus_data
    statement = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    after = datetime(2025, 4, 2, 9, tzinfo=UTC)
    assert services.period_end_sweep(now=after) == {"drafted": 0, "reminded": 0}
    assert not Notification.objects.exists()
