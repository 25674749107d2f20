"""The lead queue: entering it, round-robin assignment and race-free claiming."""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from leads import sla
from leads.models import AssignmentMode, Lead, SalesProfile
from leads.selectors import CLAIM_ORDER
from leads.services import history_sql
from org import sql
from org.audit import save_audited
from org.metrics import LEADS_CLAIMED
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


def start_queue_entry(
    *, lead: Lead, now: datetime, deadline: tuple[datetime, int] | None = None
) -> None:
    """Put the lead (unsaved changes) into the queue with a fresh SLA deadline.

    ``deadline``: ``sla.deadline_for`` of this lead at ``now``, when the caller already has it
    (the sweep computes it once per channel and segment for a whole batch)."""
    due, minutes = deadline or sla.deadline_for(
        channel=lead.channel_id, segment=lead.segment, start=now
    )
    lead.status = Lead.Status.NEW
    lead.owner = None
    lead.assigned_at = None
    lead.queue_entered_at = now
    lead.sla_deadline = due
    lead.sla_minutes = minutes
    lead.sla_next_check_at = due


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


def route_new_lead(
    *, lead: Lead, now: datetime, deadline: tuple[datetime, int] | None = None
) -> str:
    """Queue a new (unsaved) lead and auto-assign it when its channel or form says so.

    Returns a short audit note of what happened. ``deadline`` as for ``start_queue_entry``.
    """
    start_queue_entry(lead=lead, now=now, deadline=deadline)
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
    """Give the caller the next waiting lead, or None when the queue is empty.

    The order is the contract's (docs/api.md, Leads, claim): leads not flagged ``sla_breached``
    first, earliest SLA deadline first; then the breached ones, earliest deadline first, so a
    lead that can still be answered in time never waits behind one that already missed.
    Concurrent claimers skip each other's row (``FOR NO KEY UPDATE SKIP LOCKED``) and never
    receive the same lead; a salesperson with a capacity never holds more untouched leads
    than it allows. The audit history gets one row: reason "claimed", by the caller.

    PostgreSQL runs the one-statement claim (``_claim_postgresql``); other databases (the
    SQLite of a local run) the ORM version of the same steps (``_claim_orm``).
    """
    if not user.has_role(Role.SALES):
        raise PermissionDenied(_("Only salespeople claim leads."))
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        lead = _claim_postgresql(user=user, now=now)
    else:
        lead = _claim_orm(user=user, now=now)
    if lead is not None:
        LEADS_CLAIMED.inc()  # the claim rate on /metrics
    return lead


CLAIM_REASON = "claimed"


def _claim_orm(*, user: User, now: datetime) -> Lead | None:
    """The claim through the ORM: capacity check, lock, load, save with its history row."""
    with transaction.atomic():
        profile = SalesProfile.objects.filter(user=user).first()
        if profile is not None and profile.max_open_leads is not None:
            # Serialise this person's own claims so two tabs cannot both pass the limit.
            User.objects.select_for_update().filter(pk=user.pk).exists()
            if untouched_count(user=user) >= profile.max_open_leads:
                raise CapacityReached(profile.max_open_leads)
        # The id is fetched into a list first (never ``pk__in=<locked subquery>``,
        # PostgreSQL bug #15715).
        ids = list(
            Lead.objects.filter(status=Lead.Status.NEW)
            .order_by(*CLAIM_ORDER)
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("pk", flat=True)[:1]
        )
        if not ids:
            return None
        lead = Lead.objects.select_related("channel", "campaign").get(pk=ids[0])
        lead.status = Lead.Status.ASSIGNED
        lead.owner = user
        lead.assigned_at = now
        save_audited(
            lead,
            by=user,
            reason=CLAIM_REASON,
            fields=["status", "owner", "assigned_at", "updated_at"],
        )
        return lead


@cache
def _claim_statement(*, capacity: bool) -> str:
    """The one-statement claim for PostgreSQL.

    One round trip picks, locks, assigns and returns the lead and writes its history row:

    - ``pick``: the first waiting lead in claim order that nobody else holds
      (``FOR NO KEY UPDATE SKIP LOCKED``, an index scan of ``lead_queue_idx``). It is a
      scalar subquery (an InitPlan, run once), never ``id IN (...)``, PostgreSQL bug #15715.
      The guard in its WHERE is uncorrelated (a one-time filter): when it is false nothing
      is read or locked.
    - ``claimed``: the UPDATE of that row; ``status = 'new'`` again, for safety.
    - ``history``: the audit row simple-history would write for ``save()`` of the claimed
      lead: every tracked column as it now is (``history_sql``), type ``~``, reason
      "claimed", by the caller.
    - the final SELECT always returns one row: the caller's capacity (NULL = none), the
      untouched leads they held before this claim (same snapshot as the guard) and the
      claimed lead's columns (NULL when nothing was claimed), in ``_meta`` order.

    ``capacity=False`` is the fast path, one statement in autocommit: its guard lets only
    a caller *without* a capacity claim. ``capacity=True`` runs after the caller's user row
    is locked (their own claims take turns, and this statement's snapshot is taken after
    the previous one committed), and its guard counts the held leads against the capacity.
    """
    lead_columns = [f.column for f in Lead._meta.concrete_fields]
    copied = history_sql.tracked_columns()
    extra = {
        "history_date": "%(wall)s",
        "history_change_reason": "%(reason)s",
        "history_type": "'~'",
        "history_user_id": "%(user)s",
    }
    held = (
        "(SELECT count(*) FROM leads_lead h WHERE h.owner_id = %(user)s AND h.status = 'assigned')"
    )
    cap = "(SELECT p.max_open_leads FROM leads_salesprofile p WHERE p.user_id = %(user)s)"
    guard = f"({cap} IS NULL OR {held} < {cap})" if capacity else f"{cap} IS NULL"
    returning = ", ".join(f'"{c}"' for c in lead_columns)
    history_columns = ", ".join(f'"{c}"' for c in [*copied, *extra])
    history_values = ", ".join([*(f'claimed."{c}"' for c in copied), *extra.values()])
    # Only identifiers from the models' metadata are formatted in; every value is a parameter.
    statement = f"""
        WITH claimed AS (
            UPDATE leads_lead
               SET status = 'assigned', owner_id = %(user)s, assigned_at = %(now)s,
                   updated_at = %(wall)s
             WHERE status = 'new' AND id = (
                   SELECT id FROM leads_lead
                    WHERE status = 'new' AND {guard}
                    ORDER BY sla_breached, sla_deadline, id
                    LIMIT 1
                      FOR NO KEY UPDATE SKIP LOCKED)
            RETURNING {returning}
        ), history AS (
            INSERT INTO {history_sql.history_table()} ({history_columns})
            SELECT {history_values} FROM claimed
        )
        SELECT {cap}, {held if capacity else "0"}, claimed.*
          FROM (VALUES (1)) AS one LEFT JOIN claimed ON true
    """  # noqa: S608
    return statement


def _claim_postgresql(*, user: User, now: datetime) -> Lead | None:
    """The claim as one statement (see ``_claim_statement``); two more round trips and a
    row lock only for a caller with a capacity."""
    wall = timezone.now()  # updated_at and history_date: when it happened, as save() would
    params: dict[str, Any] = {
        "user": user.pk,
        "now": now,
        "wall": wall,
        "reason": CLAIM_REASON,
    }
    # Prepared, with a generic plan (``org.sql.execute``): parsing and planning the statement
    # cost about as much as running it.
    [(cap, _held, *values)] = sql.execute(_claim_statement(capacity=False), params)
    if cap is not None:
        with transaction.atomic():
            # Serialise this person's own claims so two tabs cannot both pass the limit.
            sql.execute(
                f"SELECT 1 FROM {User._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                [user.pk],
            )
            [(cap, held, *values)] = sql.execute(_claim_statement(capacity=True), params)
            if values[0] is None and cap is not None and held >= cap:
                raise CapacityReached(cap)
    if values[0] is None:
        return None
    return sql.instance(Lead, values)


@transaction.atomic
def lead_assign(*, lead: Lead, owner: User, by: User, now: datetime | None = None) -> Lead:
    """A head of sales or management gives a lead to a salesperson.

    A lead waiting in the queue starts a new queue entry: a fresh SLA clock from ``now`` with
    its own escalations. A lead someone already works keeps its clock and status; only the
    owner changes.
    """
    if not (by.is_manager or by.is_sales_head):
        raise PermissionDenied(_("Only a head of sales or management assigns leads."))
    if not (owner.is_active and owner.role == Role.SALES):
        raise ValidationError({"owner": [_("Choose an active salesperson.")]})
    now = now or timezone.now()
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
    if not lead.is_open:
        raise ValidationError(_("This lead is closed; it cannot be reassigned."))
    fields = ["owner", "updated_at"]
    if lead.status == Lead.Status.NEW:
        lead.queue_entry += 1
        start_queue_entry(lead=lead, now=now)
        lead.status = Lead.Status.ASSIGNED
        lead.assigned_at = now
        fields += [
            "status",
            "assigned_at",
            "queue_entry",
            "queue_entered_at",
            "sla_deadline",
            "sla_minutes",
            "sla_next_check_at",
        ]
    elif lead.owner_id == owner.pk:
        return lead
    lead.owner = owner
    save_audited(lead, by=by, reason=f"assigned to {owner.username}", fields=fields)
    return lead
