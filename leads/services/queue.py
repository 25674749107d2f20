"""The lead queue: entering it, round-robin assignment and race-free claiming."""

from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from leads import sla
from leads.models import AssignmentMode, Lead, SalesProfile
from org.models import Role, User


class CapacityReached(Exception):
    """The salesperson already holds as many untouched leads as their capacity allows."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            _(
                "You already hold %(limit)d untouched leads, your capacity. Make a first "
                "touch on one of them before claiming another."
            )
            % {"limit": limit}
        )


def start_queue_entry(*, lead: Lead, now: datetime) -> None:
    """Put the lead (unsaved changes) into the queue with a fresh SLA deadline."""
    deadline, minutes = sla.deadline_for(channel=lead.channel_id, segment=lead.segment, start=now)
    lead.status = Lead.Status.NEW
    lead.owner = None
    lead.assigned_at = None
    lead.queue_entered_at = now
    lead.sla_deadline = deadline
    lead.sla_minutes = minutes
    lead.sla_next_check_at = deadline


def assignment_mode_for(lead: Lead) -> str:
    form = lead.form if lead.form_id is not None else None
    if form is not None and form.assignment:
        return form.assignment
    return lead.channel.assignment


def untouched_count(*, user: User) -> int:
    return Lead.objects.filter(owner=user, status=Lead.Status.ASSIGNED).count()


def pick_round_robin(*, lead: Lead, now: datetime) -> User | None:
    """The eligible salesperson who was auto-assigned longest ago, or None.

    Eligible: active, in sales, taking auto-assigned leads, covering the lead's segment and
    region, and under capacity. The candidates' profile rows are locked in primary-key order
    (deadlock-free), so simultaneous intakes take turns and really rotate.
    """
    profiles = list(
        SalesProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(auto_assign=True, user__is_active=True, user__role=Role.SALES)
        .order_by("pk")
    )
    candidates = [p for p in profiles if p.covers(segment=lead.segment, region=lead.region)]
    if not candidates:
        return None
    held = dict(
        Lead.objects.filter(
            owner_id__in=[p.user_id for p in candidates], status=Lead.Status.ASSIGNED
        )
        .values_list("owner_id")
        .annotate(n=Count("pk"))
    )
    never = datetime.min.replace(tzinfo=UTC)
    for profile in sorted(candidates, key=lambda p: (p.last_assigned_at or never, p.pk)):
        if profile.max_open_leads is not None and held.get(profile.user_id, 0) >= (
            profile.max_open_leads
        ):
            continue
        # The wall clock after taking the lock, not the intake's clock: it orders the turns.
        profile.last_assigned_at = timezone.now()
        profile.save(update_fields=["last_assigned_at"])
        return profile.user
    return None


def route_new_lead(*, lead: Lead, now: datetime) -> str:
    """Queue a new (unsaved) lead and auto-assign it when its channel or form says so.

    Returns a short audit note of what happened.
    """
    start_queue_entry(lead=lead, now=now)
    if assignment_mode_for(lead) != AssignmentMode.ROUND_ROBIN:
        return "queued"
    owner = pick_round_robin(lead=lead, now=now)
    if owner is None:
        return "queued (nobody available for round-robin)"
    lead.status = Lead.Status.ASSIGNED
    lead.owner = owner
    lead.assigned_at = now
    return f"auto-assigned to {owner.username}"


def lead_claim_next(*, user: User, now: datetime | None = None) -> Lead | None:
    """Give the caller the waiting lead with the earliest SLA deadline, or None.

    ``FOR NO KEY UPDATE SKIP LOCKED`` in a short transaction: concurrent claimers skip each
    other's row instead of waiting, and never receive the same lead. The id is fetched into
    a list first (never ``pk__in=<locked subquery>``, PostgreSQL bug #15715).
    """
    if not user.has_role(Role.SALES):
        raise PermissionDenied(_("Only salespeople claim leads."))
    now = now or timezone.now()
    with transaction.atomic():
        profile = SalesProfile.objects.filter(user=user).first()
        if profile is not None and profile.max_open_leads is not None:
            # Serialise this person's own claims so two tabs cannot both pass the limit.
            User.objects.select_for_update().filter(pk=user.pk).exists()
            if untouched_count(user=user) >= profile.max_open_leads:
                raise CapacityReached(profile.max_open_leads)
        ids = list(
            Lead.objects.filter(status=Lead.Status.NEW)
            .order_by(F("sla_deadline").asc(nulls_last=True), "pk")
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("pk", flat=True)[:1]
        )
        if not ids:
            return None
        lead = Lead.objects.select_related("channel", "campaign").get(pk=ids[0])
        lead.status = Lead.Status.ASSIGNED
        lead.owner = user
        lead.assigned_at = now
        lead._change_reason = "claimed"  # type: ignore[attr-defined]
        lead._history_user = user  # type: ignore[attr-defined]
        lead.save(update_fields=["status", "owner", "assigned_at", "updated_at"])
        return lead
