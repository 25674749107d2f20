"""The SLA sweep: escalate leads whose first-response deadline passed without a touch.

Level 1 at the deadline: ``sla_breached`` is set and the heads of sales are notified (one
digest per sweep, not one message per lead: ``_Digest``).
Level 2 one SLA period later: an owned lead loses its owner and re-enters the queue with a
new deadline (its salesperson is notified); an unassigned lead stays queued with its deadline
and management is notified.

Exactly once per queue entry and level: each batch locks its leads with ``SKIP LOCKED`` (an
overlapping sweep takes other rows), re-reads the escalations already made, and the unique
constraint on (lead, queue_entry, level) is the last word. A sweep that dies rolls back its
batch, which the next sweep redoes. Each sweep reads only due leads, through the partial
index on ``sla_next_check_at``.
"""

import copy
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.celery import enqueue_on_commit
from leads import sla
from leads.models import Escalation, Lead
from leads.services import history_sql
from leads.services.queue import start_queue_entry
from org.audit import bulk_history, stamp
from org.calendar import Calendar, company_calendar
from org.heartbeats import SLA_SWEEP, heartbeat
from org.models import Notification, Role, User
from org.services import heads_of, managers

BATCH_SIZE = 500


@dataclass
class SweepResult:
    level1: int = 0
    level2: int = 0

    @property
    def total(self) -> int:
        return self.level1 + self.level2


class _Level2:
    """When level 2 is due: one SLA period after the deadline, in working time for a policy
    with business hours (public holidays and company days off do not count, as for the
    deadline itself). Policies and the calendar are read once per batch, when needed."""

    def __init__(self, leads: list[Lead]) -> None:
        self.hours: dict[tuple[int | None, str], sla.BusinessHours | None] = {}
        self.calendar: Calendar | None = None
        deadlines = [lead.sla_deadline for lead in leads if lead.sla_deadline is not None]
        # A day early: a deadline's local date may be the UTC date before.
        self.since = min(deadlines).date() - timedelta(days=1) if deadlines else None

    def due(self, lead: Lead) -> datetime:
        assert lead.sla_deadline is not None
        key = (lead.channel_id, lead.segment)
        if key not in self.hours:
            self.hours[key] = sla.hours_for(channel=key[0], segment=key[1])
        hours = self.hours[key]
        if hours is None:
            return lead.sla_deadline + timedelta(minutes=lead.sla_minutes or 0)
        if self.calendar is None:
            assert self.since is not None
            self.calendar = company_calendar(since=self.since)
        return sla.add_working_time(lead.sla_deadline, lead.sla_minutes or 0, hours, self.calendar)


# The columns a sweep may change on a lead, with their PostgreSQL array types for ``_write``.
SWEPT_FIELDS = {
    "status": "text[]",
    "owner_id": "bigint[]",
    "assigned_at": "timestamptz[]",
    "queue_entry": "integer[]",
    "queue_entered_at": "timestamptz[]",
    "sla_deadline": "timestamptz[]",
    "sla_minutes": "integer[]",
    "sla_breached": "boolean[]",
    "sla_next_check_at": "timestamptz[]",
}


def _sweep_batch(*, now: datetime, result: SweepResult, digest: "_Digest") -> bool:
    """Escalate one batch of due leads; False when nothing was due.

    Set-based: the batch is one locking SELECT, one read of the escalations already made,
    then the decisions in Python, and the writes as one statement each: the escalations
    (their unique constraint is the last word), the leads (one UPDATE for the whole batch,
    ``_write``), their history rows (one bulk insert, one row per change as ``save()`` wrote
    it, same reasons and order) and the digests (one insert, and one update when an earlier
    batch of the same sweep already wrote some).
    """
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
        _level2_due = _Level2(leads).due

        escalations: list[Escalation] = []
        heads_notes: list[Lead] = []
        management_notes: list[Lead] = []
        owner_notes: list[tuple[Lead, User]] = []
        history: list[Snapshot] = []  # one per change, in the order they happen
        deadlines: dict[tuple[int, str], tuple[datetime, int]] = {}

        def record(lead: Lead, reason: str) -> None:
            values = {name: getattr(lead, name) for name in SWEPT_FIELDS}
            history.append(Snapshot(lead, values, reason, timezone.now()))

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
                record(lead, "SLA breached: level 1")
                if lead.sla_next_check_at > now:
                    continue
            if (entry, 2) in done[lead.pk]:
                lead.sla_next_check_at = None
                record(lead, "SLA sweep: nothing left to escalate")
                continue
            if now < _level2_due(lead):
                lead.sla_next_check_at = _level2_due(lead)
                record(lead, "SLA sweep: level 2 not due")
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
                # As it stood: the owner reads the deadline they missed, not the new one.
                owner_notes.append((copy.copy(lead), lead.owner))  # type: ignore[arg-type]
                if heads_notes and heads_notes[-1] is lead:
                    # Its level-1 note tells the deadline and owner it had, not the new ones.
                    heads_notes[-1] = copy.copy(lead)
                lead.queue_entry = entry + 1
                key = (lead.channel_id, lead.segment)
                if key not in deadlines:  # the same for every lead of a channel and segment
                    deadlines[key] = sla.deadline_for(channel=key[0], segment=key[1], start=now)
                start_queue_entry(lead=lead, now=now, deadline=deadlines[key])
                record(lead, "SLA level 2: owner removed, back to the queue")
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
                record(lead, "SLA level 2: management notified")
        Escalation.objects.bulk_create(escalations)
        _write(leads, history, now=timezone.now())
        digest.add(heads_notes, management_notes, owner_notes)
    return True


class Snapshot(NamedTuple):
    """A lead as one change left it: the history row ``save()`` would have written then."""

    lead: Lead
    values: dict[str, Any]  # the swept columns at that moment
    reason: str
    at: datetime


def _write(leads: list[Lead], history: list[Snapshot], *, now: datetime) -> None:
    """Write the swept columns of ``leads`` (and ``updated_at``) and the ``history`` rows.

    PostgreSQL: ``_write_postgresql``, two statements for the batch. Other databases (SQLite
    of a local run): ``_write_orm``. ``tests/leads/test_sweep_set_based.py`` checks that both
    leave the same lead and history rows.
    """
    if connection.vendor == "postgresql":
        _write_postgresql(leads, history, now=now)
    else:
        _write_orm(leads, history, now=now)


def _write_orm(leads: list[Lead], history: list[Snapshot], *, now: datetime) -> None:
    for lead in leads:
        lead.updated_at = now
    Lead.objects.bulk_update(
        leads, [name.removesuffix("_id") for name in SWEPT_FIELDS] + ["updated_at"]
    )
    snapshots = []
    for snapshot in history:
        instance = copy.copy(snapshot.lead)
        for name, value in snapshot.values.items():
            setattr(instance, name, value)
        snapshots.append(stamp(instance, by=None, reason=snapshot.reason, at=snapshot.at))
    bulk_history(Lead, snapshots, update=True)


def _write_postgresql(leads: list[Lead], history: list[Snapshot], *, now: datetime) -> None:
    """Two statements whatever the batch size, every value a parameter (one array per
    column); only identifiers from the models' metadata are formatted in.

    1. ``UPDATE leads_lead ... FROM unnest(...)``: each lead's row written once, final state.
    2. ``INSERT INTO leads_historicallead ... SELECT``: one row per snapshot in ``history``
       (a lead escalating both levels in one sweep has two), in order. The swept columns
       come from the snapshot's arrays, every other tracked column from the lead's row,
       which the sweep does not change.
    """
    table = Lead._meta.db_table
    arrays = ", ".join(f"%s::{kind}" for kind in SWEPT_FIELDS.values())
    assignments = ", ".join(f'"{name}" = v."{name}"' for name in SWEPT_FIELDS)
    names = ", ".join(f'"{name}"' for name in SWEPT_FIELDS)
    tracked = history_sql.tracked_columns()
    swept = [name for name in SWEPT_FIELDS if name in tracked]
    columns = ", ".join(f'"{c}"' for c in tracked)
    values = ", ".join(f'v."{c}"' if c in swept else f'l."{c}"' for c in tracked)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS l SET {assignments}, updated_at = %s "  # noqa: S608
            f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {names}) WHERE l.id = v.id",
            [
                now,
                [lead.pk for lead in leads],
                *([getattr(lead, name) for lead in leads] for name in SWEPT_FIELDS),
            ],
        )
        snapshot_arrays = ", ".join(f"%s::{SWEPT_FIELDS[name]}" for name in swept)
        cursor.execute(
            f"INSERT INTO {history_sql.history_table()} "  # noqa: S608
            f"({columns}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {values}, v.history_date, v.reason, '~', NULL "
            f"FROM unnest(%s::bigint[], %s::integer[], {snapshot_arrays}, %s::timestamptz[], "
            f"%s::text[]) AS v(id, ord, {', '.join(swept)}, history_date, reason) "
            f"JOIN {table} AS l ON l.id = v.id ORDER BY v.ord",
            [
                [snapshot.lead.pk for snapshot in history],
                list(range(len(history))),
                *([snapshot.values[name] for snapshot in history] for name in swept),
                [snapshot.at for snapshot in history],
                [snapshot.reason for snapshot in history],
            ],
        )


# Leads named in one section of a digest; the headline counts them all.
DIGEST_LINES = 100


class _Item(NamedTuple):
    """One lead in a digest, as it stood when escalated."""

    pk: int
    name: str
    deadline: datetime | None
    owner: str | None


class _Section:
    """One part of a digest: how many leads, and the first ``DIGEST_LINES`` of them by name
    (an outage's digest is not 100,000 lines, and a sweep's memory stays bounded)."""

    def __init__(self) -> None:
        self.items: list[_Item] = []
        self.total = 0

    def extend(self, items: Iterable[_Item]) -> None:
        for it in items:
            self.total += 1
            if len(self.items) < DIGEST_LINES:
                self.items.append(it)


class _Digest:
    """What one sweep tells people: one notification per recipient per sweep, not one per lead.

    Heads of sales read the leads that breached (level 1), management the unclaimed leads a
    period overdue, each salesperson their leads that went back to the queue; a person in
    several of those groups reads all of it in the same notification. Each batch writes its
    part inside its own transaction: the first batch that concerns a person inserts their
    digest, later batches of the same sweep rewrite it (one insert and one update per batch,
    however many leads). A batch that rolls back takes its part of the digests with it, so
    each escalation is told exactly once, like it happens once. The text is written in each
    recipient's language; the e-mails go once the whole sweep is done.
    """

    def __init__(self) -> None:
        self.breached = _Section()
        self.unclaimed = _Section()
        self.returned: dict[int, _Section] = defaultdict(_Section)
        self.rows: dict[int, Notification] = {}
        self._heads: list[User] | None = None
        self._managers: list[User] | None = None
        self.people: dict[int, User] = {}
        # A lead's line, rendered once per language and kind (with or without its owner):
        # each batch rewrites the digests it touches, and re-rendering every line listed so
        # far would make a sweep quadratic in its size.
        self._lines: dict[tuple[str, bool, int], str] = {}

    def heads(self) -> list[User]:
        if self._heads is None:
            self._heads = heads_of(Role.SALES)
        return self._heads

    def managers(self) -> list[User]:
        if self._managers is None:
            self._managers = managers()
        return self._managers

    def add(
        self,
        heads_notes: list[Lead],
        management_notes: list[Lead],
        owner_notes: list[tuple[Lead, User]],
    ) -> None:
        """Record one batch's escalations and write the digests they change."""

        def item(lead: Lead) -> _Item:
            owner = str(lead.owner) if lead.owner_id is not None else None
            return _Item(lead.pk, lead.name, lead.sla_deadline, owner)

        touched: dict[int, User] = {}
        if heads_notes:
            self.breached.extend(item(lead) for lead in heads_notes)
            touched.update((user.pk, user) for user in self.heads())
        if management_notes:
            self.unclaimed.extend(item(lead) for lead in management_notes)
            touched.update((user.pk, user) for user in self.managers())
        for lead, owner in owner_notes:
            self.returned[owner.pk].extend([item(lead)])
            touched[owner.pk] = owner
        if not touched:
            return
        self.people.update(touched)
        created, updated = [], []
        for user in touched.values():
            with translation.override(user.preferred_language):
                subject, body, link = self._text(user)
            row = self.rows.get(user.pk)
            if row is None:
                row = Notification(
                    recipient=user,
                    subject=subject[:200],
                    body=body,
                    link=link,
                    send_email=bool(user.email),
                )
                created.append(row)
            else:
                row.subject, row.body, row.link = subject[:200], body, link
                updated.append(row)
        for row in Notification.objects.bulk_create(created):
            self.rows[row.recipient_id] = row
        if updated:
            Notification.objects.bulk_update(updated, ["subject", "body", "link"])

    def _text(self, user: User) -> tuple[str, str, str]:
        """Subject, body and link of ``user``'s digest, in the active language."""
        headlines: list[str] = []
        sections: list[str] = []
        links: list[str] = []
        shown: list[_Section] = []

        language = translation.get_language() or ""

        def line(it: _Item, owner: bool) -> str:
            key = (language, owner, it.pk)
            if key not in self._lines:
                deadline = (
                    date_format(timezone.localtime(it.deadline), "SHORT_DATETIME_FORMAT")
                    if it.deadline
                    else "—"
                )
                text = _("%(lead)s: deadline %(deadline)s") % {
                    "lead": it.name,
                    "deadline": deadline,
                }
                if owner:
                    text += "; " + _("owner: %(owner)s") % {
                        "owner": it.owner or _("nobody (queue)")
                    }
                self._lines[key] = f"- {text} ({reverse('leads:detail', args=[it.pk])})"
            return self._lines[key]

        def lines(section: _Section, *, owner: bool) -> str:
            out = [line(it, owner) for it in section.items]
            if section.total > len(section.items):
                more = section.total - len(section.items)
                out.append(
                    ngettext("… and %(count)d more lead", "… and %(count)d more leads", more)
                    % {"count": more}
                )
            return "\n".join(out)

        heads = {head.pk for head in self._heads or []}
        if self.breached.total and user.pk in heads:
            n = self.breached.total
            headlines.append(
                ngettext(
                    "SLA breached: %(count)d lead has had no first touch",
                    "SLA breached: %(count)d leads have had no first touch",
                    n,
                )
                % {"count": n}
            )
            sections.append(lines(self.breached, owner=True))
            shown.append(self.breached)
            links.append(reverse("kpi:sla"))
        people = {person.pk for person in self._managers or []}
        if self.unclaimed.total and user.pk in people:
            n = self.unclaimed.total
            headlines.append(
                ngettext(
                    "%(count)d unclaimed lead is one SLA period overdue",
                    "%(count)d unclaimed leads are one SLA period overdue",
                    n,
                )
                % {"count": n}
            )
            sections.append(lines(self.unclaimed, owner=False))
            shown.append(self.unclaimed)
            links.append(reverse("leads:queue"))
        returned = self.returned.get(user.pk) or _Section()
        if returned.total:
            n = returned.total
            headlines.append(
                ngettext(
                    "%(count)d of your leads went back to the queue: no first touch in time",
                    "%(count)d of your leads went back to the queue: no first touch in time",
                    n,
                )
                % {"count": n}
            )
            sections.append(lines(returned, owner=False))
            shown.append(returned)
            links.append(reverse("leads:queue"))
        if sum(section.total for section in shown) == 1:  # one lead: straight to it
            links = [reverse("leads:detail", args=[shown[0].items[0].pk])]
        body = "\n\n".join(
            f"{headline}\n{section}" for headline, section in zip(headlines, sections, strict=True)
        )
        return "; ".join(headlines), body, links[0] if links else ""

    def send_emails(self) -> None:
        ids = [row.pk for row in self.rows.values() if row.send_email]
        if ids:
            from org.tasks import notifications_send_email

            enqueue_on_commit(notifications_send_email, ids)


def sla_sweep(*, now: datetime | None = None) -> SweepResult:
    """Run one sweep at ``now`` (default: the current time) until nothing is due."""
    now = now or timezone.now()
    result = SweepResult()
    digest = _Digest()
    with heartbeat(SLA_SWEEP):  # the watchdog (ops) notices when sweeps stop finishing
        while _sweep_batch(now=now, result=result, digest=digest):
            pass
    digest.send_emails()
    return result
