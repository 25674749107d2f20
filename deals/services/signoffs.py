"""Sign-offs the responsibility matrix's hand-off rules require on a deal."""

from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals import rules, selectors
from deals.models import Deal, DealStage, StageApproval
from deals.services.common import ensure_may_manage, ensure_open, locked, stage_by_code
from org.models import Role, User
from org.services import heads_of, notify


def _asked_of(stage: DealStage) -> tuple[str, ...]:
    stages = {s.pk: s for s in selectors.pipeline()}
    return rules.rules_of(stages[stage.pk].funnel_stage).approvers


@transaction.atomic
def deal_sign_off(
    *, deal: Deal, stage: str, by: User, note: str = "", now: datetime | None = None
) -> StageApproval:
    """The caller's department signs off a deal's stage, as its hand-off rule requires."""
    now = now or timezone.now()
    target = stage_by_code(stage)
    deal = locked(deal)
    if by.has_role(Role.SALES) and deal.owner_id != by.pk:
        raise ValidationError(_("Only the deal's owner may do this."))
    ensure_open(deal)
    department = by.effective_role
    if department not in _asked_of(target):
        raise ValidationError(
            {
                "stage": [
                    _("%(stage)s needs no sign-off from %(department)s.")
                    % {"stage": target.name, "department": rules.department_label(department)}
                ]
            }
        )
    try:
        with transaction.atomic():
            approval = StageApproval.objects.create(
                deal=deal,
                stage=target,
                department=department,
                approved_by=by,
                approved_at=now,
                note=note,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "stage": [
                    _("%(department)s has already signed off %(stage)s.")
                    % {"department": rules.department_label(department), "stage": target.name}
                ]
            }
        ) from None
    if deal.owner_id != by.pk:
        notify(
            recipients=[deal.owner],
            subject=lambda: (
                _("%(department)s signed off %(stage)s: %(deal)s")
                % {
                    "department": rules.department_label(department),
                    "stage": target.name,
                    "deal": deal.title,
                }
            ),
            body=note,
            link=reverse("deals:detail", args=[deal.pk]),
        )
    return approval


@transaction.atomic
def deal_request_sign_off(*, deal: Deal, by: User, stage: str | None = None) -> list[str]:
    """Ask the departments whose sign-off is still missing at a stage (default: the current
    one) for it: their heads get a notification. Returns the departments asked."""
    deal = locked(deal)
    ensure_may_manage(deal, by)
    ensure_open(deal)
    target = stage_by_code(stage) if stage else deal.stage
    given = set(deal.approvals.values_list("stage_id", "department"))
    missing = [d for d in _asked_of(target) if (target.pk, d) not in given]
    if not missing:
        raise ValidationError(
            {"stage": [_("%(stage)s needs no more sign-offs.") % {"stage": target.name}]}
        )
    for department in missing:
        notify(
            recipients=heads_of(department),
            subject=lambda: (
                _("Sign-off needed on %(stage)s: %(deal)s")
                % {"stage": target.name, "deal": deal.title}
            ),
            body=partial(
                lambda department: (
                    _("%(user)s asks %(department)s to sign off %(stage)s.")
                    % {
                        "user": by,
                        "department": rules.department_label(department),
                        "stage": target.name,
                    }
                ),
                department,
            ),
            link=reverse("deals:detail", args=[deal.pk]),
        )
    return missing
