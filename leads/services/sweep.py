"""The SLA sweep: escalate leads whose first-response deadline passed without a touch.

Level 1 at the deadline: ``sla_breached`` is set and the heads of sales are notified.
Level 2 one SLA period later: an owned lead loses its owner and re-enters the queue with a
new deadline (its salesperson is notified); an unassigned lead stays queued with its deadline
and management is notified.

Exactly once per queue entry and level: each batch locks its leads with ``SKIP LOCKED`` (an
overlapping sweep takes other rows), re-reads the escalations already made, and the unique
constraint on (lead, queue_entry, level) is the last word. A sweep that dies rolls back its
batch, which the next sweep redoes. Each sweep reads only due leads, through the partial
index on ``sla_next_check_at``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Escalation, Lead
from leads.services.queue import start_queue_entry
from org.models import Role, User
from org.services import Message, heads_of, managers, notify_many

BATCH_SIZE = 500


@dataclass
class SweepResult:
    level1: int = 0
    level2: int = 0

    @property
    def total(self) -> int:
        return self.level1 + self.level2


def _level2_due(lead: Lead) -> datetime:
    assert lead.sla_deadline is not None
    return lead.sla_deadline + timedelta(minutes=lead.sla_minutes or 0)


def _sweep_batch(*, now: datetime, result: SweepResult) -> bool:
    """Escalate one batch of due leads; False when nothing was due."""
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("owner")
            .filter(
                sla_next_check_at__lte=now,
                status__in=Lead.WAITING_STATUSES,
                first_touch_at__isnull=True,
            )
            .order_by("sla_next_check_at", "pk")[:BATCH_SIZE]
        )
        if not leads:
            return False
        done: dict[int, set[int]] = defaultdict(set)
        for lead_id, entry, level in Escalation.objects.filter(
            lead__in=[lead.pk for lead in leads]
        ).values_list("lead_id", "queue_entry", "level"):
            done[lead_id].add((entry, level))  # type: ignore[arg-type]

        escalations: list[Escalation] = []
        heads_notes: list[Lead] = []
        management_notes: list[Lead] = []
        owner_notes: list[tuple[Lead, User]] = []
        for lead in leads:
            entry = lead.queue_entry
            if (entry, 1) not in done[lead.pk]:
                escalations.append(
                    Escalation(
                        lead=lead,
                        queue_entry=entry,
                        level=1,
                        action=Escalation.Action.NOTIFIED_HEADS,
                        owner=lead.owner,
                        at=now,
                    )
                )
                heads_notes.append(lead)
                lead.sla_breached = True
                lead.sla_next_check_at = _level2_due(lead)
                result.level1 += 1
                _save(lead, reason="SLA breached: level 1", now=now)
                if lead.sla_next_check_at > now:
                    continue
            if (entry, 2) in done[lead.pk]:
                lead.sla_next_check_at = None
                _save(lead, reason="SLA sweep: nothing left to escalate", now=now)
                continue
            if now < _level2_due(lead):
                lead.sla_next_check_at = _level2_due(lead)
                _save(lead, reason="SLA sweep: level 2 not due", now=now)
                continue
            result.level2 += 1
            if lead.owner_id is not None:
                escalations.append(
                    Escalation(
                        lead=lead,
                        queue_entry=entry,
                        level=2,
                        action=Escalation.Action.RETURNED_TO_QUEUE,
                        owner=lead.owner,
                        at=now,
                    )
                )
                owner_notes.append((lead, lead.owner))  # type: ignore[arg-type]
                lead.queue_entry = entry + 1
                start_queue_entry(lead=lead, now=now)
                _save(lead, reason="SLA level 2: owner removed, back to the queue", now=now)
            else:
                escalations.append(
                    Escalation(
                        lead=lead,
                        queue_entry=entry,
                        level=2,
                        action=Escalation.Action.NOTIFIED_MANAGEMENT,
                        at=now,
                    )
                )
                management_notes.append(lead)
                lead.sla_next_check_at = None
                _save(lead, reason="SLA level 2: management notified", now=now)
        Escalation.objects.bulk_create(escalations)
        _notify(heads_notes, management_notes, owner_notes)
    return True


def _save(lead: Lead, *, reason: str, now: datetime) -> None:
    lead._change_reason = reason  # type: ignore[attr-defined]
    lead._history_user = None  # type: ignore[attr-defined]
    lead.save()


def _notify(
    heads_notes: list[Lead],
    management_notes: list[Lead],
    owner_notes: list[tuple[Lead, User]],
) -> None:
    messages: list[Message] = []
    if heads_notes:
        heads = heads_of(Role.SALES)
        messages += [
            Message(
                heads,
                _("SLA breached: %(lead)s has had no first touch") % {"lead": lead.name},
                _("Deadline was %(deadline)s; owner: %(owner)s.")
                % {
                    "deadline": timezone.localtime(lead.sla_deadline).strftime("%Y-%m-%d %H:%M %Z")
                    if lead.sla_deadline
                    else "—",
                    "owner": lead.owner or _("nobody (queue)"),
                },
                reverse("leads:detail", args=[lead.pk]),
            )
            for lead in heads_notes
        ]
    if management_notes:
        people = managers()
        messages += [
            Message(
                people,
                _("Unclaimed lead %(lead)s is one SLA period overdue") % {"lead": lead.name},
                link=reverse("leads:detail", args=[lead.pk]),
            )
            for lead in management_notes
        ]
    messages += [
        Message(
            [owner],
            _("%(lead)s went back to the queue: no first touch in time") % {"lead": lead.name},
            link=reverse("leads:detail", args=[lead.pk]),
        )
        for lead, owner in owner_notes
    ]
    notify_many(messages)


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Run one sweep at ``now`` (default: the current time) until nothing is due."""
    now = now or timezone.now()
    result = SweepResult()
    while _sweep_batch(now=now, result=result):
        pass
    return result
