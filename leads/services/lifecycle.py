"""A lead's life after intake: touches, qualification, disqualification, conversion."""

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import DisqualificationReason, Lead, Touch
from leads.services.definition import active_definition
from org.audit import save_audited
from org.models import User

NO_RESPONSE = "no_response"


class UnmetCriteria(ValidationError):
    """Qualification failed; ``unmet`` lists the required criteria that were not met."""

    def __init__(self, unmet: list[str]) -> None:
        self.unmet = unmet
        super().__init__(
            _("The lead does not meet the agreed definition: %(codes)s.")
            % {"codes": ", ".join(unmet)}
        )


def _locked(lead: Lead) -> Lead:
    """Re-read the lead under a row lock: every transition decides on current state."""
    return Lead.objects.select_for_update(of=("self",)).select_related("channel").get(pk=lead.pk)


def _ensure_owner(lead: Lead, by: User) -> None:
    if lead.owner_id != by.pk:
        # Views scope leads to the caller; this guards every other entry point.
        raise ValidationError(_("Only the lead's owner may do this."))


def _save(
    lead: Lead, *, by: User, reason: str, fields: list[str], at: datetime | None = None
) -> None:
    """Save with the history's who and why; ``at`` is when it happened, not when saved."""
    save_audited(lead, by=by, reason=reason, fields=[*fields, "updated_at"], at=at)


@transaction.atomic
def lead_touch(
    *, lead: Lead, by: User, kind: str, note: str = "", now: datetime | None = None
) -> Touch:
    """Log a contact with the lead. The first touch stops the SLA clock."""
    now = now or timezone.now()
    lead = _locked(lead)
    _ensure_owner(lead, by)
    if not lead.is_open:
        raise ValidationError(_("This lead is closed; touches are logged on its deal."))
    if kind not in Touch.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of touch.")]})
    touch = Touch.objects.create(lead=lead, kind=kind, note=note, by=by, at=now)
    if lead.first_touch_at is None:
        lead.first_touch_at = now
        lead.sla_next_check_at = None
        if lead.sla_deadline is not None and now > lead.sla_deadline:
            # Late, even if no sweep ran in between: the flag tells the truth.
            lead.sla_breached = True
        if lead.status == Lead.Status.ASSIGNED:
            lead.status = Lead.Status.CONTACTED
        _save(
            lead,
            by=by,
            reason=f"first touch ({kind})",
            fields=["first_touch_at", "sla_next_check_at", "sla_breached", "status"],
            at=now,
        )
    return touch


@transaction.atomic
def lead_qualify(
    *, lead: Lead, by: User, criteria: Mapping[str, bool], now: datetime | None = None
) -> Lead:
    """Check the lead against the active definition; qualified only if every required
    criterion is met. Stores which criteria were met under which version."""
    lead = _locked(lead)
    _ensure_owner(lead, by)
    if lead.first_touch_at is None:
        raise ValidationError(_("Make a first touch before qualifying the lead."))
    if lead.status not in (Lead.Status.CONTACTED, Lead.Status.QUALIFIED):
        raise ValidationError(
            _("A lead in status %(status)s cannot be qualified.") % {"status": lead.status}
        )
    definition = active_definition()
    known = {c.code: c for c in definition.criteria.all()}
    unknown = sorted(set(criteria) - set(known))
    if unknown:
        raise ValidationError(
            {"criteria": [_("Unknown criteria: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    unmet = [code for code, c in known.items() if c.required and criteria.get(code) is not True]
    if unmet:
        raise UnmetCriteria(unmet)
    lead.qualification = {code: criteria.get(code) is True for code in known}
    lead.definition = definition
    lead.status = Lead.Status.QUALIFIED
    lead.qualified_at = now or timezone.now()
    _save(
        lead,
        by=by,
        reason=f"qualified (definition v{definition.version})",
        fields=["qualification", "definition", "status", "qualified_at"],
        at=now,
    )
    return lead


@transaction.atomic
def lead_disqualify(
    *, lead: Lead, by: User, reason: str, note: str = "", now: datetime | None = None
) -> Lead:
    lead = _locked(lead)
    _ensure_owner(lead, by)
    if not lead.is_open:
        raise ValidationError(_("This lead is already closed."))
    found = DisqualificationReason.objects.filter(code=reason, is_active=True).first()
    if found is None:
        raise ValidationError({"reason": [_("Unknown disqualification reason.")]})
    if reason == NO_RESPONSE:
        # "No answer" after one call the next day is the waste this product exists to stop.
        needed = settings.NO_RESPONSE_MIN_ATTEMPTS
        attempts = lead.touches.count()
        if attempts < needed:
            raise ValidationError(
                {
                    "reason": [
                        _(
                            "“No response” needs at least %(needed)d attempts to reach the "
                            "person; %(made)d logged so far."
                        )
                        % {"needed": needed, "made": attempts}
                    ]
                }
            )
    lead.status = Lead.Status.DISQUALIFIED
    lead.disqualification_reason = found
    lead.disqualification_note = note
    lead.closed_at = now or timezone.now()
    lead.sla_next_check_at = None
    _save(
        lead,
        by=by,
        at=now,
        reason=f"disqualified ({reason})",
        fields=[
            "status",
            "disqualification_reason",
            "disqualification_note",
            "closed_at",
            "sla_next_check_at",
        ],
    )
    return lead


def lead_mark_converted(*, lead: Lead, by: User, now: datetime | None = None) -> Lead:
    """Close a qualified lead as converted. Called by the deals app inside its own
    transaction, which creates the deal (leads never imports deals)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lead_mark_converted must run inside the deal's transaction")
    lead = _locked(lead)
    _ensure_owner(lead, by)
    if lead.status != Lead.Status.QUALIFIED:
        raise ValidationError(_("Only a qualified lead can be converted into a deal."))
    lead.status = Lead.Status.CONVERTED
    lead.closed_at = now or timezone.now()
    _save(lead, by=by, reason="converted", fields=["status", "closed_at"], at=now)
    return lead
