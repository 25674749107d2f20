"""Disputes about a lead's quality, decided against the agreed definition.

open --(campaign's marketer or a head of marketing)--> accepted | contested
accepted | contested --(a manager)--> upheld | rejected

Each step notifies the next actor. An upheld dispute marks the lead as not marketing's: it is
listed by ``feedback.selectors.upheld_dispute_lead_ids`` for the KPI scorecard.
"""

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import Dispute
from feedback.services.common import (
    campaign_marketers,
    clean_text,
    link,
    may_answer_for_marketing,
)
from leads.models import Lead
from leads.services import active_definition
from org.audit import save_audited
from org.models import Role, User
from org.services import Message, managers, notify_many

# (current status, action) -> new status; everything else is refused.
RESPONSES = {"accept": Dispute.Status.ACCEPTED, "contest": Dispute.Status.CONTESTED}
DECISIONS = {"upheld": Dispute.Status.UPHELD, "rejected": Dispute.Status.REJECTED}


def _locked(dispute: Dispute) -> Dispute:
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("lead", "lead__campaign", "lead__campaign__owner")
        .get(pk=dispute.pk)
    )


@transaction.atomic
def dispute_raise(
    *,
    lead: Lead,
    by: User,
    unmet_criteria: Sequence[str],
    comment: str = "",
    now: datetime | None = None,
) -> Dispute:
    """The lead's owner says it is not a lead by the agreed definition, naming the criteria
    it fails. The criteria come from the version the lead was checked against, or the active
    one. One dispute per lead."""
    if not by.has_role(Role.SALES):
        raise PermissionDenied(_("Disputes about lead quality are raised by sales."))
    comment = clean_text(comment, field="comment", required=False)
    now = now or timezone.now()
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("campaign", "campaign__owner", "definition")
        .get(pk=lead.pk)
    )
    if lead.owner_id != by.pk:
        raise ValidationError(_("Only the lead's owner may dispute it."))
    if Dispute.objects.filter(lead=lead).exists():
        raise ValidationError(_("This lead is already disputed; a lead is disputed once."))
    if lead.first_touch_at is None:
        raise ValidationError(_("Contact the lead before saying it is not a lead."))
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError(_("This lead became a deal; it cannot be disputed."))
    definition = lead.definition or active_definition()
    criteria = list(definition.criteria.all())
    known = [c.code for c in criteria]
    labels = {c.code: c.label for c in criteria}
    codes = list(dict.fromkeys(str(code) for code in unmet_criteria))
    if not codes:
        raise ValidationError(
            {"unmet_criteria": [_("Name at least one criterion the lead does not meet.")]}
        )
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            {
                "unmet_criteria": [
                    _("Unknown criteria: %(codes)s. Definition v%(version)s has: %(known)s.")
                    % {
                        "codes": ", ".join(unknown),
                        "version": definition.version,
                        "known": ", ".join(known),
                    }
                ]
            }
        )
    dispute = Dispute(
        lead=lead,
        raised_by=by,
        definition=definition,
        unmet_criteria=[code for code in known if code in codes],
        comment=comment,
        created_at=now,
    )
    try:
        with transaction.atomic():
            save_audited(dispute, by=by, reason="raised", at=now)
    except IntegrityError:  # the one-dispute-per-lead constraint decided a race
        raise ValidationError(
            _("This lead is already disputed; a lead is disputed once.")
        ) from None
    notify_many(
        [
            Message(
                campaign_marketers(lead),
                lambda: _("Sales dispute lead %(lead)s") % {"lead": lead.name},
                lambda: (
                    _("%(who)s says it is not a lead by our definition (unmet: %(codes)s). %(c)s")
                    % {
                        "who": by,
                        "codes": ", ".join(labels[code] for code in dispute.unmet_criteria),
                        "c": comment,
                    }
                ),
                link("feedback:dispute", dispute.pk),
            )
        ]
    )
    return dispute


@transaction.atomic
def dispute_respond(
    *, dispute: Dispute, by: User, answer: str, comment: str, now: datetime | None = None
) -> Dispute:
    """The campaign's marketer (or a head of marketing) accepts or contests, with a comment."""
    if not by.has_role(Role.MARKETING):
        raise PermissionDenied(_("Marketing answers disputes."))
    if answer not in RESPONSES:
        raise ValidationError({"answer": [_("Answer accept or contest.")]})
    comment = clean_text(comment, field="comment", required=True)
    dispute = _locked(dispute)
    if not may_answer_for_marketing(by, dispute.lead):
        raise PermissionDenied(
            _("The campaign's marketer or a head of marketing answers this dispute.")
        )
    if dispute.status != Dispute.Status.OPEN:
        raise ValidationError(
            _("This dispute is no longer awaiting marketing (%(status)s).")
            % {"status": dispute.get_status_display()}
        )
    dispute.status = RESPONSES[answer]
    dispute.response_comment = comment
    dispute.responded_by = by
    dispute.responded_at = now or timezone.now()
    save_audited(
        dispute,
        by=by,
        reason=answer,
        fields=["status", "response_comment", "responded_by", "responded_at"],
        at=dispute.responded_at,
    )
    notify_many(
        [
            Message(
                managers(),
                lambda: _("Decide the dispute on lead %(lead)s") % {"lead": dispute.lead.name},
                lambda: (
                    _("Marketing (%(who)s) %(answer)s: %(comment)s")
                    % {
                        "who": by,
                        "answer": dispute.get_status_display().lower(),
                        "comment": comment,
                    }
                ),
                link("feedback:dispute", dispute.pk),
            )
        ]
    )
    return dispute


@transaction.atomic
def dispute_decide(
    *, dispute: Dispute, by: User, decision: str, reason: str, now: datetime | None = None
) -> Dispute:
    """A manager upholds (the lead does not count for marketing) or rejects the dispute."""
    if not by.has_role(Role.MANAGEMENT):
        raise PermissionDenied(_("Only a manager decides disputes."))
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Decide upheld or rejected.")]})
    reason = clean_text(reason, field="reason", required=True)
    dispute = _locked(dispute)
    if dispute.status == Dispute.Status.OPEN:
        raise ValidationError(_("Marketing has not answered yet; decide after its answer."))
    if dispute.status in Dispute.DECIDED:
        raise ValidationError(
            _("This dispute is already decided (%(status)s).")
            % {"status": dispute.get_status_display()}
        )
    dispute.status = DECISIONS[decision]
    dispute.decision_reason = reason
    dispute.decided_by = by
    dispute.decided_at = now or timezone.now()
    save_audited(
        dispute,
        by=by,
        reason=decision,
        fields=["status", "decision_reason", "decided_by", "decided_at"],
        at=dispute.decided_at,
    )
    recipients = list(
        User.objects.filter(pk__in=[dispute.raised_by_id, dispute.responded_by_id], is_active=True)
    )
    notify_many(
        [
            Message(
                recipients,
                lambda: (
                    _("Dispute on lead %(lead)s: %(decision)s")
                    % {"lead": dispute.lead.name, "decision": dispute.get_status_display().lower()}
                ),
                reason,
                link("feedback:dispute", dispute.pk),
            )
        ]
    )
    return dispute
