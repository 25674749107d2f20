"""The pipeline's stages, edited by managers (through the admin)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from deals.models import Deal, DealStage
from org.audit import save_audited
from org.matrix_services import funnel_stage_for_deal_stage
from org.models import User


def deal_stage_validate(*, stage: DealStage) -> None:
    """A stage holding open deals stays active, and the pipeline keeps at least one stage."""
    if stage.pk is None or stage.is_active:
        return
    open_deals = Deal.objects.filter(stage=stage, status=Deal.Status.OPEN).count()
    if open_deals:
        raise ValidationError(
            {
                "is_active": [
                    _("%(count)d open deals are at this stage; move them first.")
                    % {"count": open_deals}
                ]
            }
        )
    if not DealStage.objects.filter(is_active=True).exclude(pk=stage.pk).exists():
        raise ValidationError({"is_active": [_("The pipeline needs at least one stage.")]})


@transaction.atomic
def deal_stage_save(*, stage: DealStage, by: User) -> DealStage:
    """Save a pipeline stage a manager edited or added; a new stage gets its row in the
    responsibility matrix (sales responsible, management accountable) at its place."""
    if not by.is_manager:
        raise PermissionDenied(_("Only managers change the pipeline."))
    deal_stage_validate(stage=stage)
    if (
        stage.funnel_stage_id is None
        and DealStage.objects.filter(funnel_stage__code=stage.code).exclude(pk=stage.pk).exists()
    ):
        raise ValidationError({"code": [_("Another stage already uses this code's matrix row.")]})
    save_audited(stage, by=by, reason="edited" if stage.pk else "added")
    if stage.funnel_stage_id is None:
        before = (
            DealStage.objects.filter(funnel_stage__isnull=False, order__lte=stage.order)
            .exclude(pk=stage.pk)
            .select_related("funnel_stage")
            .order_by("-order", "-pk")
            .first()
        )
        stage.funnel_stage = funnel_stage_for_deal_stage(
            code=stage.code, name=stage.name, after=before.funnel_stage if before else None
        )
        save_audited(stage, by=by, reason="linked to the matrix", fields=["funnel_stage"])
    return stage
