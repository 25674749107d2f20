"""Reads for the deals domain, scoped to what the caller may see."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from deals.models import Deal, DealStage, LostReason, Payment, StageApproval, StageChange
from org.matrix import matrix_prefetch
from org.models import HandOff, Role, User
from org.paging import NarrowPage, narrow_page
from org.periods import Period

MONEY = DecimalField(max_digits=14, decimal_places=2)


def paid_total() -> Coalesce:
    """The sum of a deal's payments as a subquery, so it stays right beside any other join."""
    paid = (
        Payment.objects.counted()
        .filter(deal=OuterRef("pk"))
        .order_by()
        .values("deal")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(paid, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def deal_scope(*, user: User) -> QuerySet[Deal]:
    """Sales see their own deals, a head of sales every deal owned by sales (the team);
    marketing and management see every deal."""
    deals = Deal.objects.all()
    if user.effective_role in (Role.MANAGEMENT, Role.MARKETING):
        return deals
    if user.effective_role == Role.SALES:
        if user.is_sales_head:
            return deals.filter(Q(owner=user) | Q(owner__role=Role.SALES))
        return deals.filter(owner=user)
    return deals.none()


def deal_list(*, user: User) -> QuerySet[Deal]:
    """Everything a list row renders, in one query."""
    return (
        deal_scope(user=user)
        .select_related("stage", "channel", "campaign", "form", "lost_reason", "owner")
        .annotate(paid_total=paid_total())
    )


def deal_detail(*, user: User) -> QuerySet[Deal]:
    """One deal with its trail back to the lead and its source, payments, stage history and
    sign-offs."""
    return (
        deal_list(user=user)
        .select_related(
            "lead",
            "lead__channel",
            "lead__campaign",
            "lead__form",
            "lead__owner",
            "previous_deal",
            "previous_deal__stage",
        )
        .prefetch_related(
            Prefetch(
                "payments", queryset=Payment.objects.select_related("recorded_by", "voided_by")
            ),
            Prefetch(
                "stage_changes",
                queryset=StageChange.objects.select_related("from_stage", "to_stage", "by"),
            ),
            Prefetch(
                "approvals", queryset=StageApproval.objects.select_related("stage", "approved_by")
            ),
            Prefetch("repeat_deals", queryset=Deal.objects.select_related("stage")),
        )
    )


def pipeline() -> list[DealStage]:
    """Every stage (active or not) with its matrix rules: three queries."""
    return list(
        DealStage.objects.select_related("funnel_stage")
        .prefetch_related(*matrix_prefetch("funnel_stage"))
        .order_by("order", "pk")
    )


def stage_list() -> QuerySet[DealStage]:
    return DealStage.objects.filter(is_active=True).order_by("order", "pk")


def lost_reason_list() -> QuerySet[LostReason]:
    return LostReason.objects.filter(is_active=True).order_by("label")


def deals_awaiting_signoff(*, department: str) -> QuerySet[Deal]:
    """Open deals at a stage whose hand-off needs ``department``'s sign-off, not given yet."""
    asked = HandOff.objects.filter(stage__deal_stage=OuterRef("stage"), approver=department).values(
        "pk"
    )
    given = StageApproval.objects.filter(
        deal=OuterRef("pk"), stage=OuterRef("stage"), department=department
    ).values("pk")
    return Deal.objects.filter(Exists(asked), ~Exists(given), status=Deal.Status.OPEN)


# --- The deal board --------------------------------------------------------------------------


@dataclass
class Column:
    stage: DealStage
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    amount: Decimal = Decimal("0")

    @property
    def hidden(self) -> int:
        return self.count - len(self.deals)


# Cards per column. A column of 50,000 deals is read by its totals and its oldest cards (the
# deals waiting longest at that stage); "show all" opens the column alone, page by page.
COLUMN_LIMIT = 20
# What a card shows: the board joins only these (six joins cost the planner more than the
# query costs to run).
CARD_RELATED = ("channel", "owner")
CARD_ORDER = ("stage_changed_at", "pk")


def _open_by_stage(deals: QuerySet[Deal]) -> tuple[QuerySet[Deal], dict[int, dict[str, Any]]]:
    """The open deals of ``deals`` and their count and amount per stage (one grouped query)."""
    open_deals = deals.filter(status=Deal.Status.OPEN)
    totals = {
        row["stage"]: row
        for row in open_deals.order_by()
        .values("stage")
        .annotate(n=Count("pk"), amount=Sum("amount"))
    }
    return open_deals, totals


def _column(stage: DealStage, totals: dict[int, dict[str, Any]]) -> Column:
    row = totals.get(stage.pk, {})
    return Column(stage=stage, count=row.get("n", 0), amount=row.get("amount") or Decimal("0"))


def _cards(open_deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return open_deals.select_related(None).select_related(*CARD_RELATED)


def first_ids_per_stage(open_deals: QuerySet[Deal], stages: list[int], size: int) -> list[int]:
    """The ids of the first ``size`` deals of each stage in ``CARD_ORDER``, in one statement.

    The same as ``open_deals.filter(stage=s).order_by(*CARD_ORDER)[:size]`` for each stage, run
    as one ``UNION ALL`` of those queries, each wrapped as a derived table: PostgreSQL (and
    SQLite) accept ``LIMIT`` there, Django's ``union()`` refuses it on SQLite. On PostgreSQL
    each branch reads ``size`` entries of ``deal_board_idx`` (stage, stage_changed_at, id)
    WHERE status = 'open'; a window function over the stages would read every open deal.
    Order of the result: unspecified (the caller orders the cards).
    """
    if not stages:
        return []
    branches, params = [], []
    for i, stage in enumerate(stages):
        query = open_deals.filter(stage=stage).order_by(*CARD_ORDER).values_list("pk")[:size]
        sql, branch_params = query.query.sql_with_params()
        branches.append(f"SELECT * FROM ({sql}) AS stage_{i}")  # noqa: S608 - the ORM's SQL
        params.extend(branch_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        return [row[0] for row in cursor.fetchall()]


def deal_board(
    *, deals: QuerySet[Deal], stages: list[DealStage], per_column: int | None = None
) -> list[Column]:
    """Open deals in columns by stage (``stages``: the pipeline, ``pipeline()``): every
    column's count and amount, and its first ``per_column`` cards (``CARD_ORDER``: the longest
    at that stage first). Three queries whatever the number of deals and stages: the totals,
    the cards' ids, the cards' rows (plus the prefetches of ``deals``). A stage switched off
    still shows while deals sit in it."""
    open_deals, totals = _open_by_stage(deals)
    columns = {
        stage.pk: _column(stage, totals)
        for stage in stages
        if stage.is_active or stage.pk in totals
    }
    shown = [pk for pk, column in columns.items() if column.count]
    ids = first_ids_per_stage(open_deals, shown, per_column or COLUMN_LIMIT)
    cards = _cards(open_deals).filter(pk__in=ids).order_by(*CARD_ORDER) if ids else []
    for deal in cards:
        columns[deal.stage_id].deals.append(deal)
    return list(columns.values())


def deal_board_column(
    *,
    deals: QuerySet[Deal],
    stage: DealStage,
    number: int,
    size: int = 50,
    after: str | None = None,
) -> tuple[Column, NarrowPage]:
    """One column of the board in full, a page at a time (``org.paging``: ids first, ``after``
    a page's ``next_cursor``; one that is not is ignored): where "show all" leads. Three
    queries plus the prefetches of ``deals``."""
    open_deals, totals = _open_by_stage(deals.filter(stage=stage))
    column = _column(stage, totals)
    cards = _cards(open_deals).order_by(*CARD_ORDER)
    try:
        page = narrow_page(cards, number=number, size=size, after=after)
    except ValueError:
        page = narrow_page(cards, number=number, size=size)
    column.deals = list(page.object_list)
    return column, page


# --- Revenue ---------------------------------------------------------------------------------

# group -> (the key, as the API names it, and what a person reads)
REVENUE_KEYS = {
    "channel": ("deal__channel__slug", "deal__channel__name"),
    "campaign": ("deal__campaign__slug", "deal__campaign__name"),
    "form": ("deal__form__slug", "deal__form__name"),
    "segment": ("deal__segment", "deal__segment"),
}


def revenue_by_source(
    *,
    group_by: str,
    deals: QuerySet[Deal] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[dict[str, Any]]:
    """Money received, credited to the source the deal came from: payments (never deal
    amounts) by the deal's channel, campaign, web form or segment. ``start``/``end`` are
    inclusive dates in the configured time zone, applied to when the money was paid."""
    payments = Payment.objects.counted()
    if deals is not None:
        payments = payments.filter(deal__in=deals)
    payments = payments.filter(Period(start, end).q("paid_at"))
    key, label = REVENUE_KEYS[group_by]
    rows = (
        payments.order_by()
        .values(source=F(key), label=F(label))
        .annotate(revenue=Sum("amount"), deals=Count("deal", distinct=True), payments=Count("pk"))
        .order_by("-revenue", "source")
    )
    return [{**row, "source": row["source"] or "", "label": row["label"] or ""} for row in rows]
