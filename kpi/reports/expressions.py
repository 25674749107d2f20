"""SQL building blocks of the reports: response time, median, revenue per lead.

The median is computed in the database on every backend, by one of two paths:

- PostgreSQL: the ordered-set aggregate ``percentile_cont(0.5)`` inside the grouped query
  itself (:class:`Median`), so a report's groups and their medians come from one scan.
- Any backend, used on SQLite (which has no percentile aggregate): :func:`window_medians`,
  an ordered approach — number each group's response times with ``ROW_NUMBER()`` and count
  them with ``COUNT(*) OVER``, keep the one or two middle rows, average them per group.
  It is one more query per report, never one per group.

Both give the same value (the mean of the two middle values for an even count); the tests
run both paths on PostgreSQL and the window path on SQLite against the same expected numbers.
"""

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DecimalField,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.db.models.sql.compiler import SQLCompiler

from deals.models import Payment
from leads.models import Lead

MONEY = DecimalField(max_digits=16, decimal_places=2)


class ResponseSeconds(Func):
    """Seconds from a lead's arrival (``created_at``) to its first touch; NULL if untouched.

    PostgreSQL subtracts the timestamps exactly. SQLite has no interval type; its
    ``julianday`` keeps milliseconds, so the value is rounded to the millisecond there.
    """

    output_field = FloatField()

    def __init__(self, touched: str = "first_touch_at", arrived: str = "created_at") -> None:
        super().__init__(F(touched), F(arrived))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        if connection.vendor == "postgresql":
            template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
            return super().as_sql(compiler, connection, template=template, arg_joiner=" - ")
        template = "ROUND((julianday(%(expressions)s)) * 86400.0, 3)"
        return super().as_sql(compiler, connection, template=template, arg_joiner=") - julianday(")


class Median(Aggregate):
    """``percentile_cont(0.5)`` — PostgreSQL only; NULL inputs are ignored, NULL when none."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        if connection.vendor != "postgresql":
            raise NotImplementedError("Median() needs PostgreSQL; use window_medians()")
        return super().as_sql(compiler, connection, **extra)


def median_in_aggregate() -> bool:
    """Whether medians come from the grouped query itself (PostgreSQL)."""
    return connection.vendor == "postgresql"


def window_medians(leads: QuerySet[Lead], key: str | None) -> dict[Any, float | None]:
    """Median response seconds per value of ``key`` (or for all of ``leads`` when ``key`` is
    None, under the dict key None), by the ordered window approach; one query.

    Groups with no touched lead are absent from the result (their median is undefined).
    """
    seconds = ResponseSeconds()
    partition = [F(key)] if key else None
    ranked = (
        leads.filter(first_touch_at__isnull=False)
        .order_by()
        .annotate(
            _seconds=seconds,
            _rank=Window(RowNumber(), partition_by=partition, order_by=[seconds.asc(), F("pk")]),
            _count=Window(Count("pk"), partition_by=partition),
        )
        # Integer division: the middle row for an odd count, the two middle rows for an even.
        .filter(_rank__gte=(F("_count") + 1) / 2, _rank__lte=(F("_count") + 2) / 2)
    )
    middle = Lead.objects.filter(pk__in=ranked.values("pk")).order_by()
    if key is None:
        value = middle.aggregate(median=Avg(ResponseSeconds()))["median"]
        return {} if value is None else {None: value}
    rows = middle.values(key).annotate(median=Avg(ResponseSeconds())).values_list(key, "median")
    return dict(rows)


def lead_revenue() -> Expression:
    """Per lead: the sum of all payments on its deal (open, won or lost), NULL without a deal.

    A correlated subquery on the payments' ``(deal, paid_at)`` index, evaluated only for leads
    that have a deal (the CASE guards it), so summing it per group never multiplies lead rows
    the way joining payments would.
    """
    paid = (
        Payment.objects.counted()
        .filter(deal=OuterRef("deal"))
        .order_by()
        .values("deal")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Case(
        When(deal__isnull=False, then=Subquery(paid, output_field=MONEY)),
        default=Value(None, output_field=MONEY),
        output_field=MONEY,
    )
