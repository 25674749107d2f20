"""The responsibility matrix: reads, and the rules the system enforces from it.

A funnel stage's owners are the departments the matrix makes Responsible or Accountable for
it: only they may move a deal into it. A stage's hand-off rules may name a department whose
sign-off is needed: a deal does not move past the stage until that department signs off.
Writes live in ``org.matrix_services``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.db.models import Prefetch, QuerySet

from org.models import (
    OWNING_LETTERS,
    FunnelStage,
    HandOff,
    Raci,
    ReportingLine,
    Responsibility,
    Role,
)

# The letters a stage gets when the system adds a row (a new deal stage): a sales stage.
NEW_STAGE_LETTERS: dict[str, str] = {
    Role.MARKETING: Raci.INFORMED,
    Role.SALES: Raci.RESPONSIBLE,
    Role.MANAGEMENT: Raci.ACCOUNTABLE,
}


@dataclass(frozen=True)
class StageRules:
    """What the matrix says about one funnel stage."""

    letters: dict[str, str]
    approvers: tuple[str, ...]  # departments whose sign-off the stage's hand-offs need

    @property
    def owners(self) -> tuple[str, ...]:
        """Departments that may move a deal into the stage, in department order."""
        return tuple(d for d in Role.values if self.letters.get(d) in OWNING_LETTERS)

    def may_enter(self, department: str) -> bool:
        return department in self.owners


# A stage with no matrix row (should not happen: rows are created with the stage) is owned
# the way a new sales stage would be.
UNMAPPED_RULES = StageRules(letters=dict(NEW_STAGE_LETTERS), approvers=())


def rules_of(stage: FunnelStage | None) -> StageRules:
    """The rules of one stage, from its prefetched cells and hand-offs (see ``matrix_rows``)."""
    if stage is None:
        return UNMAPPED_RULES
    letters = {cell.department: cell.letter for cell in stage.responsibilities.all()}
    approvers = sorted(
        {handoff.approver for handoff in stage.handoffs.all() if handoff.approver},
        key=Role.values.index,
    )
    return StageRules(letters=letters, approvers=tuple(approvers))


def matrix_rows() -> QuerySet[FunnelStage]:
    """Every row with its cells and hand-offs, in funnel order: three queries in all.
    ``deal_stage`` is the reverse one-to-one the deals app defines; naming it imports nothing
    from that app."""
    return FunnelStage.objects.select_related("deal_stage").prefetch_related(
        Prefetch("responsibilities", queryset=Responsibility.objects.order_by("department")),
        Prefetch("handoffs", queryset=HandOff.objects.order_by("id")),
    )


def matrix_prefetch(prefix: str) -> list[Prefetch]:
    """Prefetches that load the matrix rules for a relation ending in a ``FunnelStage``
    (e.g. ``"stage__funnel_stage"``), for callers that read the rules of many stages."""
    return [
        Prefetch(f"{prefix}__responsibilities", queryset=Responsibility.objects.all()),
        Prefetch(f"{prefix}__handoffs", queryset=HandOff.objects.all()),
    ]


def handoff_list() -> QuerySet[HandOff]:
    return HandOff.objects.select_related("stage").order_by("stage__order", "stage_id", "id")


def reporting_lines() -> QuerySet[ReportingLine]:
    return ReportingLine.objects.order_by("department", "reports_to", "id")


@dataclass(frozen=True)
class MatrixChange:
    """One line of the matrix's audit trail."""

    at: Any
    by: Any
    kind: str
    record: Any


def matrix_changes(*, limit: int = 30) -> list[MatrixChange]:
    """The latest changes to cells, hand-offs and reporting lines, newest first: three
    queries, whatever the size of the history."""
    sources: Iterable[tuple[str, Any]] = (
        ("cell", Responsibility.history.select_related("history_user", "stage")),
        ("handoff", HandOff.history.select_related("history_user", "stage")),
        ("reporting", ReportingLine.history.select_related("history_user")),
    )
    rows = chain.from_iterable(
        (
            MatrixChange(r.history_date, r.history_user, kind, r)
            for r in qs.order_by("-history_date")[:limit]
        )
        for kind, qs in sources
    )
    return sorted(rows, key=lambda change: change.at, reverse=True)[:limit]
