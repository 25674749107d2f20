"""What the responsibility matrix allows a person to do with a deal's stage.

Pure reads: the move service raises on a failed check, the deal page and the API show the
same check for every stage so people see what is missing before they try.

- Moving into a stage: only departments the matrix makes Responsible or Accountable for it.
- Moving forward past a stage (including skipping over it): every sign-off its hand-off rules
  require must have been given on this deal. Moving back needs none, but a stage may forbid
  moving back out of it.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from deals.models import Deal, DealStage
from org.matrix import rules_of
from org.models import Role, User


def department_label(department: str) -> str:
    return str(Role(department).label) if department in Role.values else department


def join_departments(departments: Sequence[str]) -> str:
    return ", ".join(department_label(d) for d in departments)


@dataclass(frozen=True)
class MissingSignOff:
    stage: DealStage
    department: str

    @property
    def code(self) -> str:
        """``"<stage code>:<department>"``, how the API names it."""
        return f"{self.stage.code}:{self.department}"

    @property
    def message(self) -> str:
        return _("%(department)s has not signed off %(stage)s.") % {
            "department": department_label(self.department),
            "stage": self.stage.name,
        }


@dataclass
class MoveCheck:
    """Whether ``by`` may move ``deal`` to ``stage`` now, and if not, why."""

    stage: DealStage
    problems: list[str] = field(default_factory=list)
    allowed_departments: tuple[str, ...] | None = None  # set when the department is the limit
    missing: list[MissingSignOff] = field(default_factory=list)
    forward: bool = False

    @property
    def allowed(self) -> bool:
        return not self.problems

    def error_detail(self) -> dict[str, list[str]]:
        """The 400 body of a refused move: what is wrong, and what is missing by code."""
        detail: dict[str, list[str]] = {"stage": list(self.problems)}
        if self.allowed_departments is not None:
            detail["allowed_departments"] = list(self.allowed_departments)
        if self.missing:
            detail["missing_approvals"] = [m.code for m in self.missing]
        return detail


def missing_signoffs(
    *,
    passed: Sequence[DealStage],
    given: Collection[tuple[int, str]],
) -> list[MissingSignOff]:
    """Sign-offs the hand-off rules of ``passed`` stages require and ``given`` lacks."""
    return [
        MissingSignOff(stage=stage, department=department)
        for stage in passed
        for department in rules_of(stage.funnel_stage).approvers
        if (stage.pk, department) not in given
    ]


def check_move(
    *,
    deal: Deal,
    to: DealStage,
    by: User,
    stages: Sequence[DealStage],
    given: Collection[tuple[int, str]],
) -> MoveCheck:
    """``stages``: the pipeline with its matrix rules (``selectors.pipeline()``); ``given``:
    the deal's sign-offs as ``(stage id, department)``."""
    check = MoveCheck(stage=to)
    by_pk = {stage.pk: stage for stage in stages}
    current = by_pk.get(deal.stage_id) or deal.stage
    if deal.status != Deal.Status.OPEN:
        check.problems.append(_("The deal is closed; it no longer moves through the pipeline."))
        return check
    if not to.is_active:
        check.problems.append(_("Unknown stage."))
        return check
    if to.pk == current.pk:
        check.problems.append(_("The deal is already at %(stage)s.") % {"stage": to.name})
        return check
    forward = check.forward = to.position > current.position
    if not forward and not current.allows_moving_back:
        check.problems.append(
            _("A deal at %(stage)s cannot move back to an earlier stage.") % {"stage": current.name}
        )
    rules = rules_of(to.funnel_stage)
    department = by.effective_role
    if not rules.may_enter(department):
        check.allowed_departments = rules.owners
        check.problems.append(
            _(
                "The responsibility matrix lets only %(owners)s move deals into %(stage)s; "
                "%(department)s is not Responsible or Accountable for it."
            )
            % {
                "owners": join_departments(rules.owners),
                "stage": to.name,
                "department": department_label(department),
            }
        )
    if forward:
        check.missing = missing_signoffs(passed=_passed(current, to, stages), given=given)
        check.problems.extend(m.message for m in check.missing)
    return check


def _passed(current: DealStage, to: DealStage, stages: Sequence[DealStage]) -> list[DealStage]:
    """The stages a forward move from ``current`` to ``to`` passes: their sign-offs count."""
    return [
        stage
        for stage in stages
        if current.position <= stage.position < to.position
        and (stage.is_active or stage.pk == current.pk)
    ]


def card_moves(deals: Iterable[Deal], *, by: User, stages: Sequence[DealStage]) -> list[MoveCheck]:
    """Sets ``move_back`` and ``move_forward`` on each deal (the board's buttons): the check of
    a move to the previous and to the next active stage, None where there is none.

    ``check_move`` depends on the deal only through its status, its stage and which of the
    sign-offs of the stages a forward move passes it has, so each distinct combination is
    checked once and the cards that share it share the check (a column of deals without
    sign-offs: two checks, not two per card). Returns the distinct checks."""
    active = [stage for stage in stages if stage.is_active]
    at = {stage.pk: i for i, stage in enumerate(active)}
    by_pk = {stage.pk: stage for stage in stages}
    checks: dict[tuple[object, ...], MoveCheck] = {}

    def shared(deal: Deal, to: DealStage | None) -> MoveCheck | None:
        if to is None:
            return None
        current = by_pk.get(deal.stage_id) or deal.stage
        given = given_signoffs(deal)
        if to.position > current.position:  # only a forward move reads the sign-offs
            passed = {stage.pk for stage in _passed(current, to, stages)}
            needed = frozenset(pair for pair in given if pair[0] in passed)
        else:
            needed = frozenset()
        key = (deal.status, deal.stage_id, to.pk, needed)
        if key not in checks:
            checks[key] = check_move(deal=deal, to=to, by=by, stages=stages, given=needed)
        return checks[key]

    for deal in deals:
        i = at.get(deal.stage_id)
        back = active[i - 1] if i is not None and i > 0 else None
        forward = active[i + 1] if i is not None and i + 1 < len(active) else None
        deal.move_back = shared(deal, back)  # type: ignore[attr-defined]
        deal.move_forward = shared(deal, forward)  # type: ignore[attr-defined]
    return list(checks.values())


def given_signoffs(deal: Deal) -> set[tuple[int, str]]:
    """The deal's sign-offs; uses the prefetched ``approvals`` when there are."""
    return {(a.stage_id, a.department) for a in deal.approvals.all()}


def move_options(*, deal: Deal, by: User, stages: Sequence[DealStage]) -> list[MoveCheck]:
    """The check for every active stage but the current one, in pipeline order."""
    given = given_signoffs(deal)
    return [
        check_move(deal=deal, to=stage, by=by, stages=stages, given=given)
        for stage in stages
        if stage.is_active and stage.pk != deal.stage_id
    ]
