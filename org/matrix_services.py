"""Writes to the responsibility matrix. Only managers change it, and every change is kept in
its audit history (django-simple-history) with who made it."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from org.audit import delete_audited, save_audited
from org.matrix import NEW_STAGE_LETTERS
from org.models import OWNING_LETTERS, FunnelStage, HandOff, Raci, Responsibility, Role, User


def _ensure_manager(by: User) -> None:
    if not by.is_manager:
        raise PermissionDenied(_("Only managers change the responsibility matrix."))


def _check_department(field: str, value: str, *, blank: bool = False) -> None:
    if blank and value == "":
        return
    if value not in Role.values:
        raise ValidationError(
            {
                field: [
                    _("Unknown department %(value)r; choose one of: %(choices)s.")
                    % {"value": value, "choices": ", ".join(Role.values)}
                ]
            }
        )


def check_stage_letters(stage: FunnelStage, letters: Mapping[str, str]) -> None:
    """A stage keeps an owner (someone R or A) and at most one Accountable department."""
    if not any(letter in OWNING_LETTERS for letter in letters.values()):
        raise ValidationError(
            {
                "raci": [
                    _("%(stage)s needs a department that is Responsible or Accountable.")
                    % {"stage": stage.name}
                ]
            }
        )
    if sum(1 for letter in letters.values() if letter == Raci.ACCOUNTABLE) > 1:
        raise ValidationError(
            {
                "raci": [
                    _("%(stage)s can have only one Accountable department.") % {"stage": stage.name}
                ]
            }
        )


@transaction.atomic
def matrix_set_letters(*, changes: Mapping[str, Mapping[str, str]], by: User) -> int:
    """Set RACI letters: ``{stage code: {department: letter}}``. All or nothing; returns how
    many cells changed. Each stage must keep an owner and at most one Accountable."""
    _ensure_manager(by)
    stages = {
        s.code: s for s in FunnelStage.objects.select_for_update().filter(code__in=list(changes))
    }
    unknown = sorted(set(changes) - set(stages))
    if unknown:
        raise ValidationError(
            {"stage": [_("Unknown stages: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    cells = {
        (cell.stage_id, cell.department): cell
        for cell in Responsibility.objects.filter(stage__in=stages.values())
    }
    for code, letters in changes.items():
        stage = stages[code]
        for department, letter in letters.items():
            _check_department("department", department)
            if letter not in Raci.values:
                raise ValidationError(
                    {
                        "letter": [
                            _("Unknown RACI letter %(value)r; use R, A, C or I.")
                            % {"value": letter}
                        ]
                    }
                )
        current = {
            dept: cells[(stage.pk, dept)].letter
            for dept in Role.values
            if (stage.pk, dept) in cells
        }
        check_stage_letters(stage, {**current, **letters})
    changed = 0
    for code, letters in changes.items():
        stage = stages[code]
        for department, letter in letters.items():
            cell = cells.get((stage.pk, department))
            if cell is None:
                cell = Responsibility(stage=stage, department=department, letter=letter)
            elif cell.letter == letter:
                continue
            else:
                cell.letter = letter
            save_audited(cell, by=by, reason=f"{code}/{department} = {letter}")
            changed += 1
    return changed


# A stage a manager adds by hand starts with management accountable and everyone else
# informed, until the manager says who does the work.
NEW_FUNNEL_STAGE_LETTERS: dict[str, str] = {
    Role.MARKETING: Raci.INFORMED,
    Role.SALES: Raci.INFORMED,
    Role.MANAGEMENT: Raci.ACCOUNTABLE,
}


@transaction.atomic
def funnel_stage_save(*, stage: FunnelStage, by: User) -> FunnelStage:
    """Save a row's name, description or place; a new row gets a letter per department."""
    _ensure_manager(by)
    created = stage.pk is None
    save_audited(stage, by=by, reason="added" if created else "edited")
    if created:
        for department, letter in NEW_FUNNEL_STAGE_LETTERS.items():
            save_audited(
                Responsibility(stage=stage, department=department, letter=letter),
                by=by,
                reason="added with the stage",
            )
    return stage


@transaction.atomic
def funnel_stage_for_deal_stage(*, code: str, name: str, after: FunnelStage | None) -> FunnelStage:
    """The matrix row for a pipeline stage, created (as a sales stage) when it has none.
    The deals app calls this whenever a manager adds a stage, so every stage has a row."""
    row = FunnelStage.objects.filter(code=code).first()
    if row is not None:
        return row
    row = FunnelStage(code=code, name=name, order=(after.order + 1) if after else 0)
    save_audited(row, by=None, reason="added with a deal stage")
    for department, letter in NEW_STAGE_LETTERS.items():
        cell = Responsibility(stage=row, department=department, letter=letter)
        save_audited(cell, by=None, reason="added with a deal stage")
    return row


def _validate_handoff(handoff: HandOff) -> None:
    _check_department("from_department", handoff.from_department)
    _check_department("to_department", handoff.to_department)
    _check_department("approver", handoff.approver, blank=True)
    if handoff.from_department == handoff.to_department:
        raise ValidationError(
            {"to_department": [_("A hand-off goes from one department to another.")]}
        )
    if not handoff.what.strip():
        raise ValidationError({"what": [_("Say what is handed over.")]})
    duplicate = HandOff.objects.filter(
        stage=handoff.stage,
        from_department=handoff.from_department,
        to_department=handoff.to_department,
    ).exclude(pk=handoff.pk)
    if duplicate.exists():
        raise ValidationError(
            {"to_department": [_("This stage already has a hand-off in that direction.")]}
        )


def _save_handoff(handoff: HandOff, *, by: User, reason: str) -> HandOff:
    _validate_handoff(handoff)
    try:
        with transaction.atomic():
            save_audited(handoff, by=by, reason=reason)
    except IntegrityError:  # the same rule added at the same moment by someone else
        raise ValidationError(
            {"to_department": [_("This stage already has a hand-off in that direction.")]}
        ) from None
    return handoff


@transaction.atomic
def handoff_create(
    *,
    stage: FunnelStage,
    from_department: str,
    to_department: str,
    what: str,
    approver: str = "",
    by: User,
) -> HandOff:
    _ensure_manager(by)
    handoff = HandOff(
        stage=stage,
        from_department=from_department,
        to_department=to_department,
        what=what.strip(),
        approver=approver,
    )
    return _save_handoff(handoff, by=by, reason="added")


@transaction.atomic
def handoff_update(
    *,
    handoff: HandOff,
    by: User,
    what: str | None = None,
    approver: str | None = None,
    from_department: str | None = None,
    to_department: str | None = None,
) -> HandOff:
    _ensure_manager(by)
    handoff = HandOff.objects.select_for_update().get(pk=handoff.pk)
    if what is not None:
        handoff.what = what.strip()
    if approver is not None:
        handoff.approver = approver
    if from_department is not None:
        handoff.from_department = from_department
    if to_department is not None:
        handoff.to_department = to_department
    reason = f"sign-off by {handoff.approver}" if handoff.approver else "no sign-off"
    return _save_handoff(handoff, by=by, reason=reason)


@transaction.atomic
def handoff_delete(*, handoff: HandOff, by: User) -> None:
    _ensure_manager(by)
    delete_audited(handoff, by=by, reason="removed")
