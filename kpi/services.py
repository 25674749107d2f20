"""Writes of the KPI domain: periods, ratings, statements and their approval.

API views, pages, the admin and the Celery tasks all call these; each validates first and
writes in one transaction, so bad input leaves nothing half-written. The database has the
last word on races: the period exclusion constraint, the unique version and approved-statement
constraints, and the lock trigger.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kpi import bonus
from kpi.models import AttainmentStep, Period, Rating, Statement, StatementLine
from kpi.scorecard import MarketingFigures, SalesFigures, Scorecard, scorecard
from org.models import Role, User
from org.services import Message, managers, notify_many

DEFAULT_STEPS = ((Decimal("0"), Decimal("1")),)
MAX_MONEY = Decimal("999999999999.99")
MAX_RATIO = Decimal("99999.9999")
WEIGHT_NAMES = {
    "revenue": "weight_revenue",
    "sla": "weight_sla",
    "hygiene": "weight_hygiene",
    "communication": "weight_communication",
    "objections": "weight_objections",
    "marketing_team": "weight_team",
    "marketing_deals": "weight_deals",
}


class Conflict(Exception):
    """The request clashes with the record's state (the API answers 409)."""


class StatementLocked(Conflict):
    def __init__(self) -> None:
        super().__init__(_("This statement is approved: it can no longer change."))


# --- Periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """A period's dates and bonus scheme, as given (validated by :func:`scheme_validate`)."""

    starts_on: date
    ends_on: date
    revenue_goal: Decimal
    pool_percent: Decimal
    marketing_share: Decimal
    steps: tuple[tuple[Decimal, Decimal], ...] = DEFAULT_STEPS
    weights: Mapping[str, Decimal] | None = None


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors.setdefault(field, []).append(_("A number is required."))
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_("A number is required."))
        return None
    return number


def steps_errors(steps: Iterable[tuple[Any, Any]]) -> list[str]:
    """What is wrong with a set of attainment steps (API.md): negatives, two steps at the
    same attainment, no step at attainment 0."""
    seen: set[Decimal] = set()
    errors: list[str] = []
    for attainment, multiplier in steps:
        numbers: dict[str, list[str]] = {}
        a = _decimal(attainment, "steps", numbers)
        m = _decimal(multiplier, "steps", numbers)
        if a is None or m is None:
            errors.extend(numbers["steps"])
            continue
        if a < 0 or m < 0 or a > MAX_RATIO or m > MAX_RATIO:
            errors.append(_("Attainment and multiplier cannot be negative."))
        if a in seen:
            errors.append(_("Two steps have the same attainment %(a)s.") % {"a": a})
        seen.add(a)
    if Decimal(0) not in seen:
        errors.append(_("One step must start at attainment 0."))
    return list(dict.fromkeys(errors))


def period_errors(scheme: Scheme, *, period: Period | None = None) -> dict[str, list[str]]:
    """What is wrong with a period's dates, goal, percentages and weights, by field."""
    errors: dict[str, list[str]] = {}
    if scheme.ends_on < scheme.starts_on:
        errors["ends_on"] = [_("The period cannot end before it starts.")]
    goal = _decimal(scheme.revenue_goal, "revenue_goal", errors)
    if goal is not None and not Decimal(0) <= goal <= MAX_MONEY:
        errors["revenue_goal"] = [_("The goal cannot be negative.")]
    for name in ("pool_percent", "marketing_share"):
        value = _decimal(getattr(scheme, name), name, errors)
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            errors[name] = [_("A percentage must be between 0 and 100.")]
    for name, value in (scheme.weights or {}).items():
        if name not in WEIGHT_NAMES:
            errors.setdefault("weights", []).append(_("Unknown weight %(name)s.") % {"name": name})
            continue
        weight = _decimal(value, "weights", errors)
        if weight is not None and not Decimal(0) <= weight <= Decimal(100):
            errors.setdefault("weights", []).append(_("A weight must be between 0 and 100."))
    if not errors.get("ends_on") and _overlapping(scheme, period=period):
        errors["starts_on"] = [_("This period overlaps another period.")]
    return errors


def scheme_validate(scheme: Scheme, *, period: Period | None = None) -> None:
    """Every rule of API.md for a period, as one ValidationError keyed by field."""
    errors = period_errors(scheme, period=period)
    steps = steps_errors(scheme.steps)
    if steps:
        errors["steps"] = steps
    if errors:
        raise ValidationError(errors)


def _overlapping(scheme: Scheme, *, period: Period | None) -> bool:
    others = Period.objects.filter(starts_on__lte=scheme.ends_on, ends_on__gte=scheme.starts_on)
    if period is not None and period.pk:
        others = others.exclude(pk=period.pk)
    return others.exists()


def _apply(period: Period, scheme: Scheme) -> None:
    period.starts_on = scheme.starts_on
    period.ends_on = scheme.ends_on
    period.revenue_goal = Decimal(scheme.revenue_goal)
    period.pool_percent = Decimal(scheme.pool_percent)
    period.marketing_share = Decimal(scheme.marketing_share)
    for name, value in (scheme.weights or {}).items():
        setattr(period, WEIGHT_NAMES[name], Decimal(value))


def _save_period(period: Period, scheme: Scheme) -> Period:
    """Save with the database as the arbiter of overlaps between concurrent writers."""
    try:
        with transaction.atomic():
            period.save()
            period.steps.all().delete()
            AttainmentStep.objects.bulk_create(
                AttainmentStep(period=period, attainment=Decimal(a), multiplier=Decimal(m))
                for a, m in scheme.steps
            )
    except IntegrityError as exc:
        if "overlap" in str(exc):
            raise _overlap() from exc
        raise
    except OperationalError as exc:
        # Two overlapping periods inserted at the same moment wait on each other in the
        # exclusion constraint's check, and PostgreSQL ends one with "deadlock detected"
        # (40P01) instead of the violation: the other writer's period stands, so the answer
        # is the same as for an overlap.
        if getattr(exc.__cause__, "sqlstate", None) == "40P01":
            raise _overlap() from exc
        raise
    return period


def _overlap() -> ValidationError:
    return ValidationError({"starts_on": [_("This period overlaps another period.")]})


@transaction.atomic
def period_create(*, scheme: Scheme, by: User | None) -> Period:
    scheme_validate(scheme)
    period = Period(created_by=by)
    _apply(period, scheme)
    return _save_period(period, scheme)


@transaction.atomic
def period_update(*, period: Period, scheme: Scheme) -> Period:
    """Change a period's dates or scheme. Approved statements keep what they were computed
    from (they store their own figures), so this never changes a locked statement."""
    scheme_validate(scheme, period=period)
    _apply(period, scheme)
    return _save_period(period, scheme)


def scheme_of(period: Period, **changes: Any) -> Scheme:
    """The period's current scheme, with ``changes`` applied (for partial edits)."""
    values: dict[str, Any] = {
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "revenue_goal": period.revenue_goal,
        "pool_percent": period.pool_percent,
        "marketing_share": period.marketing_share,
        "steps": tuple((s.attainment, s.multiplier) for s in period.steps.all())
        if period.pk
        else DEFAULT_STEPS,
        "weights": {name: getattr(period, f) for name, f in WEIGHT_NAMES.items()},
    }
    values.update(changes)
    return Scheme(**values)


@transaction.atomic
def period_close(*, period: Period, by: User) -> Period:
    """Mark a period settled. It needs an approved statement; closing twice -> Conflict."""
    if not Statement.objects.filter(period=period, status=Statement.Status.APPROVED).exists():
        raise ValidationError(_("Approve a statement of this period before closing it."))
    updated = Period.objects.filter(pk=period.pk, status=Period.Status.OPEN).update(
        status=Period.Status.CLOSED, closed_at=timezone.now(), closed_by=by
    )
    if not updated:
        raise Conflict(_("This period is already closed."))
    period.refresh_from_db()
    return period


# --- Ratings -------------------------------------------------------------------------------


def may_rate(user: User) -> bool:
    return user.has_role(Role.MANAGEMENT) or (user.has_role(Role.SALES) and user.is_head)


@transaction.atomic
def rating_set(
    *,
    period: Period,
    user: User | None,
    communication: int,
    objections: int,
    comment: str = "",
    by: User,
) -> Rating:
    """A sales head's (or a manager's) ratings of a salesperson for the period; re-rating
    replaces the earlier ratings. Approved statements keep the ratings they were made with."""
    if not may_rate(by):
        raise PermissionError(_("Only a head of sales or management rates salespeople."))
    errors: dict[str, list[str]] = {}
    if user is None or not user.is_active or user.role != Role.SALES:
        errors["user"] = [_("Only an active member of sales can be rated.")]
    for name, value in (("communication", communication), ("objections", objections)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors[name] = [_("A rating is a whole number from 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    rating, _created = Rating.objects.update_or_create(
        period=period,
        user=user,
        defaults={
            "communication": communication,
            "objections": objections,
            "comment": comment,
            "rated_by": by,
            "rated_at": timezone.now(),
        },
    )
    return rating


# --- Statements ----------------------------------------------------------------------------


def _marketing_lines(
    pool: Decimal, team: list[MarketingFigures], period: Period
) -> dict[int, tuple[Decimal, dict[str, Any]]]:
    w_team, w_deals = Fraction(period.weight_team), Fraction(period.weight_deals)
    team_deals = sum(m.deals for m in team)
    n = len(team)
    scores: dict[int, Fraction] = {}
    for m in team:
        assert m.user is not None
        deal_share = Fraction(m.deals, team_deals) if team_deals else Fraction(1, n)
        scores[m.user.pk] = w_team / n + w_deals * deal_share
    amounts = bonus.split(pool, scores)
    total = sum(scores.values(), Fraction(0))
    lines = {}
    for m in team:
        assert m.user is not None
        uid = m.user.pk
        lines[uid] = (
            amounts[uid],
            {
                "rule": "marketing",
                "formula": "score = w_team / marketers + w_deals x deals / team_deals; "
                "amount = marketing_pool x score / sum score (largest remainder, cents)",
                "inputs": {
                    "leads": m.leads,
                    "upheld_disputes": m.upheld_disputes,
                    "counted_leads": m.counted_leads,
                    "deals": m.deals,
                    "lead_to_deal_rate": bonus.as_text(m.lead_to_deal_rate),
                    "revenue": f"{m.revenue:.2f}",
                    "cost_per_sale": None if m.cost_per_sale is None else f"{m.cost_per_sale}",
                    "marketers": n,
                    "team_deals": team_deals,
                },
                "weights": {
                    "marketing_team": str(period.weight_team),
                    "marketing_deals": str(period.weight_deals),
                },
                "score": bonus.as_text(scores[uid], 6),
                "team_score": bonus.as_text(total, 6),
                "share": bonus.as_text(scores[uid] / total if total else Fraction(1, n), 6),
                "pool": f"{pool:.2f}",
                "amount": f"{amounts[uid]:.2f}",
            },
        )
    return lines


def _sales_lines(
    pool: Decimal, team: list[SalesFigures], period: Period
) -> dict[int, tuple[Decimal, dict[str, Any]]]:
    w = {
        "revenue": Fraction(period.weight_revenue),
        "sla": Fraction(period.weight_sla),
        "hygiene": Fraction(period.weight_hygiene),
        "communication": Fraction(period.weight_communication),
        "objections": Fraction(period.weight_objections),
    }
    team_revenue = sum((s.revenue for s in team), Decimal("0"))
    scores: dict[int, Fraction] = {}
    measures: dict[int, dict[str, Fraction]] = {}
    for s in team:
        x = {
            "revenue": Fraction(s.revenue) / Fraction(team_revenue)
            if team_revenue
            else Fraction(0),
            "sla": bonus.fraction_or_zero(s.sla_met_rate),
            "hygiene": bonus.fraction_or_zero(s.crm_hygiene),
            "communication": bonus.fraction_or_zero(s.communication) / 100,
            "objections": bonus.fraction_or_zero(s.objections) / 100,
        }
        measures[s.user.pk] = x
        scores[s.user.pk] = sum((w[k] * x[k] for k in w), Fraction(0))
    amounts = bonus.split(pool, scores)
    total = sum(scores.values(), Fraction(0))
    n = len(team)
    lines = {}
    for s in team:
        uid = s.user.pk
        lines[uid] = (
            amounts[uid],
            {
                "rule": "sales",
                "formula": "score = w_revenue x revenue / team_revenue + w_sla x sla_met_rate "
                "+ w_hygiene x crm_hygiene + w_communication x communication / 100 "
                "+ w_objections x objections / 100 (null counts 0); "
                "amount = sales_pool x score / sum score (largest remainder, cents)",
                "inputs": {
                    "revenue": f"{s.revenue:.2f}",
                    "team_revenue": f"{team_revenue:.2f}",
                    "sla_met": s.sla_met,
                    "sla_decided": s.sla_decided,
                    "sla_met_rate": bonus.as_text(s.sla_met_rate),
                    "hygiene_clean": s.hygiene_clean,
                    "hygiene_checked": s.hygiene_checked,
                    "crm_hygiene": bonus.as_text(s.crm_hygiene),
                    "communication": s.communication,
                    "objections": s.objections,
                },
                "measures": {k: bonus.as_text(v) for k, v in measures[uid].items()},
                "weights": {k: str(getattr(period, WEIGHT_NAMES[k])) for k in w},
                "score": bonus.as_text(scores[uid], 6),
                "team_score": bonus.as_text(total, 6),
                "share": bonus.as_text(scores[uid] / total if total else Fraction(1, n), 6),
                "pool": f"{pool:.2f}",
                "amount": f"{amounts[uid]:.2f}",
            },
        )
    return lines


@dataclass(frozen=True)
class Computed:
    pools: bonus.Pools
    lines: list[tuple[int, str, Decimal, dict[str, Any]]]
    card: Scorecard


def statement_compute(*, period: Period, now: datetime | None = None) -> Computed:
    """What a statement of the period would say now (no writes): pools and lines."""
    card = scorecard(period=period, now=now)
    marketers = [m for m in card.marketers if m.user is not None]
    sellers = card.sales
    if not marketers and not sellers:
        raise ValidationError(_("Nobody is in marketing or sales: there is no one to pay."))
    steps = list(period.steps.values_list("attainment", "multiplier"))
    pools = bonus.pools_for(
        revenue=card.revenue,
        goal=period.revenue_goal,
        pool_percent=period.pool_percent,
        marketing_share=period.marketing_share,
        steps=steps,
    )
    if pools.marketing_pool > 0 and not marketers:
        raise ValidationError(_("Marketing has a pool but no active members."))
    if pools.sales_pool > 0 and not sellers:
        raise ValidationError(_("Sales has a pool but no active members."))
    lines: list[tuple[int, str, Decimal, dict[str, Any]]] = []
    if marketers:
        for uid, (amount, breakdown) in _marketing_lines(
            pools.marketing_pool, marketers, period
        ).items():
            lines.append((uid, Role.MARKETING, amount, breakdown))
    if sellers:
        for uid, (amount, breakdown) in _sales_lines(pools.sales_pool, sellers, period).items():
            lines.append((uid, Role.SALES, amount, breakdown))
    return Computed(pools=pools, lines=lines, card=card)


@transaction.atomic
def statement_create(*, period: Period, by: User | None, now: datetime | None = None) -> Statement:
    """A new draft version of the period's statement, from the data as it is now."""
    # The period row lock serialises versions of one period; the unique (period, version)
    # constraint would refuse a duplicate anyway.
    period = Period.objects.select_for_update().get(pk=period.pk)
    computed = statement_compute(period=period, now=now)
    pools = computed.pools
    version = (period.statements.aggregate(v=Max("version"))["v"] or 0) + 1
    statement = Statement.objects.create(
        period=period,
        version=version,
        revenue=pools.revenue,
        attainment=pools.attainment,
        multiplier=pools.multiplier,
        pool=pools.pool,
        marketing_pool=pools.marketing_pool,
        sales_pool=pools.sales_pool,
        inputs=_inputs_of(period),
        created_by=by,
    )
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement, user_id=uid, department=dept, amount=amount, breakdown=breakdown
        )
        for uid, dept, amount, breakdown in computed.lines
    )
    return statement


def _inputs_of(period: Period) -> dict[str, Any]:
    return {
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "revenue_goal": f"{period.revenue_goal:.2f}",
        "pool_percent": str(period.pool_percent),
        "marketing_share": str(period.marketing_share),
        "steps": [
            {"attainment": str(a), "multiplier": str(m)}
            for a, m in period.steps.values_list("attainment", "multiplier")
        ],
        "weights": {name: str(getattr(period, f)) for name, f in WEIGHT_NAMES.items()},
    }


@transaction.atomic
def statement_approve(*, statement: Statement, by: User) -> Statement:
    """Approve a draft: from now on it never changes. Approving an approved statement, or a
    second statement of a period that has one, raises Conflict."""
    if not by.has_role(Role.MANAGEMENT):
        raise PermissionError(_("Only management approves statements."))
    try:
        with transaction.atomic():
            updated = Statement.objects.filter(
                pk=statement.pk, status=Statement.Status.DRAFT
            ).update(status=Statement.Status.APPROVED, approved_at=timezone.now(), approved_by=by)
    except IntegrityError as exc:  # kpi_statement_one_approved_per_period decided a race
        raise Conflict(_("This period already has an approved statement.")) from exc
    if not updated:
        raise StatementLocked()
    statement.refresh_from_db()
    return statement


def statement_delete(*, statement: Statement) -> None:
    """Drafts may go; an approved statement never does."""
    if statement.is_approved:
        raise StatementLocked()
    statement.delete()


# --- The period-end sweep ------------------------------------------------------------------


def periods_ended_unsettled(*, today: date) -> Iterable[Period]:
    return Period.objects.filter(status=Period.Status.OPEN, ends_on__lt=today).exclude(
        statements__status=Statement.Status.APPROVED
    )


def period_end_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """For every ended, open period without an approved statement: compute a first draft
    if it has none, and remind management once (``reminded_at`` is set by a conditional
    update, so two sweeps at once still send one reminder). Safe to run any number of times.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    drafted = reminded = 0
    for period in periods_ended_unsettled(today=today):
        if not period.statements.exists():
            try:
                statement_create(period=period, by=None, now=now)
                drafted += 1
            except (ValidationError, IntegrityError):
                pass  # no members, or another sweep made it first; the reminder still goes
        with transaction.atomic():
            claimed = Period.objects.filter(pk=period.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                notify_many(
                    [
                        Message(
                            managers(),
                            partial(
                                lambda period: (
                                    _("Period %(period)s ended without an approved bonus statement")
                                    % {"period": period}
                                ),
                                period,
                            ),
                            lambda: _(
                                "Review the draft statement and approve it, then close the period."
                            ),
                            reverse("kpi:period", args=[period.pk]),
                        )
                    ]
                )
                reminded += 1
    return {"drafted": drafted, "reminded": reminded}
