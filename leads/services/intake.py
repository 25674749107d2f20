"""Lead intake: one service behind the API, the public web form, CSV import and the admin."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from leads import sla
from leads.models import Campaign, Channel, Escalation, Lead, LeadRequest, SlaPolicy, WebForm
from leads.scoring.scoring import score_new_leads
from leads.services import history_sql
from leads.services.queue import route_new_lead
from org import sql
from org.audit import stamp
from org.metrics import LEADS_RECEIVED
from org.models import User

DEDUP_CONSTRAINTS = ("one_open_lead_per_email", "one_open_lead_per_phone")
CONTACT_FIELDS = ("name", "email", "phone", "company", "need", "segment", "region")
BATCH_SIZE = 1000  # most items one batch may carry (docs/api.md, Leads, batch intake)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class Source:
    API = "api"
    FORM = "form"
    CSV = "csv"
    ADMIN = "admin"


@dataclass(frozen=True)
class LeadInput:
    """Validated, normalised intake data (see ``leads.inputs.LeadInputSerializer``)."""

    name: str
    channel: Channel
    email: str = ""
    phone: str = ""
    company: str = ""
    need: str = ""
    segment: str = ""
    region: str = ""
    campaign: Campaign | None = None
    form: WebForm | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    consent_text: str = ""  # what the person consented to through a web form, if they did

    def payload(self) -> dict[str, Any]:
        """What the request carried, as stored on the lead's request log."""
        data: dict[str, Any] = {
            f: getattr(self, f) for f in (*CONTACT_FIELDS, *UTM_FIELDS) if getattr(self, f)
        }
        data["channel"] = self.channel.slug
        if self.campaign:
            data["campaign"] = self.campaign.slug
        if self.form:
            data["form"] = self.form.slug
        if self.consent_text:
            data["consent"] = True
        return data


@dataclass(frozen=True)
class IntakeResult:
    lead: Lead
    duplicate: bool


def _is_dedup_violation(exc: IntegrityError) -> bool:
    text = str(exc)
    return any(name in text for name in DEDUP_CONSTRAINTS) or (
        # SQLite names the columns, not the constraint.
        "UNIQUE constraint failed: leads_lead." in text
    )


def lead_intake(
    *,
    data: LeadInput,
    source: str,
    by: User | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Create a lead, or record the request on the contact's open lead.

    The same path as a batch of one (``lead_intake_many``), so a single request and a batch
    item are judged alike.
    """
    return lead_intake_many(items=[data], source=source, by=by, now=now)[0]


def lead_intake_many(
    *,
    items: Sequence[LeadInput],
    source: str,
    by: User | None = None,
    now: datetime | None = None,
) -> list[IntakeResult]:
    """Judge each item in order as a single intake would: a contact (normalised e-mail or
    phone; e-mail match first) that matches an open lead, or an earlier item of the same
    batch, is a repeat recorded on that lead; any other item creates a lead.

    One transaction for the whole batch, a fixed number of statements whatever its size
    (see ``_intake_batch``). Races: concurrent batches that share contacts take turns on
    those contacts (transaction-scoped advisory locks on PostgreSQL, taken in one sorted
    statement, so never a deadlock), and the partial unique constraints on e-mail and phone
    stay the arbiter against anything else: if one fires, the batch rolls back whole and is
    judged again against what is now committed.
    """
    now = now or timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                results = _intake_batch(items=items, source=source, by=by, now=now)
        except IntegrityError as exc:
            if not _is_dedup_violation(exc):
                raise
            # Another request created an open lead for one of these contacts; judge again.
            continue
        _count_received(results, source=source)
        return results
    raise RuntimeError("lead intake could not settle a duplicate race after 3 attempts")


def _count_received(results: list[IntakeResult], *, source: str) -> None:
    """The intake rate on /metrics, per source and outcome."""
    duplicates = sum(result.duplicate for result in results)
    if len(results) > duplicates:
        LEADS_RECEIVED.labels(source, "new").inc(len(results) - duplicates)
    if duplicates:
        LEADS_RECEIVED.labels(source, "duplicate").inc(duplicates)


def _contact_locks(contacts: set[str]) -> tuple[str, list[Any]] | None:
    """The statement that serialises intakes sharing a contact until this transaction ends
    (PostgreSQL's transaction-scoped advisory locks, taken in one sorted statement)."""
    if connection.vendor != "postgresql" or not contacts:
        return None
    return (
        "SELECT count(pg_advisory_xact_lock(k)) FROM ("
        "  SELECT DISTINCT hashtextextended('lead-contact:' || c, 0) AS k"
        "  FROM unnest(%s::text[]) AS c ORDER BY k) AS keys",
        [sorted(contacts)],
    )


# The open statuses as SQL, from the model's own constants (never from input).
_OPEN_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in Lead.OPEN_STATUSES))


def _open_leads_and_policies(
    emails: set[str], phones: set[str], keys: set[tuple[int, str]]
) -> tuple[list[Lead], list[SlaPolicy]]:
    """Lock the contacts (``_contact_locks``), then read the open leads whose e-mail is one
    of ``emails`` or whose phone is one of ``phones``, and the SLA policies that may apply to
    the (channel, segment) ``keys``: three statements in one round trip, the reads with
    their own snapshot, taken once the locks are held (READ COMMITTED), so they see
    whatever an intake that held them before committed.

    Each branch repeats its partial unique index's predicate (open status, non-empty
    contact), so PostgreSQL probes the two indexes even for a thousand contacts (without it,
    the planner chose a scan of the whole table). Hand-written (``org.sql``): compiling the
    ORM's version of this query cost more than running it.
    """
    branches: list[str] = []
    params: list[Any] = []
    for column, values in (("email", sorted(emails)), ("phone", sorted(phones))):
        if not values:
            continue
        if connection.vendor == "postgresql":
            # One array parameter, whatever the batch's size: one statement text to prepare,
            # where a thousand bound parameters cost PostgreSQL 0.6 s to parse and plan.
            branches.append(f"({_OPEN_SQL} AND {column} <> '' AND {column} = ANY(%s))")
            params.append(values)
        else:
            marks = ", ".join(["%s"] * len(values))
            branches.append(f"({_OPEN_SQL} AND {column} <> '' AND {column} IN ({marks}))")
            params.extend(values)
    queries: list[sql.Query] = [(SlaPolicy, *sla.policies_where(keys))]
    if branches:
        queries.append((Lead, " OR ".join(branches), params))
    policies, *leads = sql.select_together(queries, first=_contact_locks(emails | phones))
    return (leads[0] if leads else []), policies


def _intake_batch(
    *, items: Sequence[LeadInput], source: str, by: User | None, now: datetime
) -> list[IntakeResult]:
    emails = {data.email for data in items if data.email}
    phones = {data.phone for data in items if data.phone}
    keys = {(data.channel.pk, data.segment) for data in items}
    open_leads, policies = _open_leads_and_policies(emails, phones, keys)
    by_email: dict[str, Lead] = {}
    by_phone: dict[str, Lead] = {}
    for lead in open_leads:
        if lead.email:
            by_email[lead.email] = lead
        if lead.phone:
            by_phone[lead.phone] = lead

    results: list[IntakeResult] = []
    created: list[Lead] = []
    no_escalations = _no_escalations()
    repeats: dict[int, int] = defaultdict(int)  # existing lead id -> repeat requests
    deadlines: dict[tuple[int, str], tuple[datetime, int]] = {}
    for data in items:
        existing = (by_email.get(data.email) if data.email else None) or (
            by_phone.get(data.phone) if data.phone else None
        )
        if existing is not None:
            existing.duplicate_requests += 1
            if existing.pk is not None:
                repeats[existing.pk] += 1
            results.append(IntakeResult(existing, True))
            continue
        lead = _new_lead(
            data=data, source=source, by=by, now=now, deadlines=deadlines, policies=policies
        )
        lead._prefetched_objects_cache = {"escalations": no_escalations}  # type: ignore[attr-defined]
        created.append(lead)
        results.append(IntakeResult(lead, False))
        if lead.email:
            by_email[lead.email] = lead
        if lead.phone:
            by_phone[lead.phone] = lead

    score_new_leads(created)
    _write(
        Writes(
            created=created,
            requests=[
                (result.lead, result.duplicate, data.payload())
                for data, result in zip(items, results, strict=True)
            ],
            repeats=repeats,
            history_at=timezone.now(),
            received_at=now,
            source=source,
        )
    )
    return results


def _no_escalations() -> Any:
    """A brand-new lead's escalations (none), as ``prefetch_related`` leaves a prefetched
    result: the response reads it without a query, and without compiling one (iterating a
    bare ``none()`` builds its SQL before finding it empty: 0.3 ms of a single POST)."""
    empty = Escalation.objects.none()
    empty._result_cache = []  # type: ignore[attr-defined]
    empty._prefetch_done = True  # type: ignore[attr-defined]
    return empty


def _new_lead(
    *,
    data: LeadInput,
    source: str,
    by: User | None,
    now: datetime,
    deadlines: dict[tuple[int, str], tuple[datetime, int]],
    policies: list[SlaPolicy],
) -> Lead:
    """An unsaved lead for ``data``, queued (or assigned round-robin), with the history
    reason and user its creation is recorded with. ``policies``: the SLA policies that may
    apply to the batch (``sla.policies_where``)."""
    lead = Lead(
        **{f: getattr(data, f) for f in (*CONTACT_FIELDS, *UTM_FIELDS)},
        channel=data.channel,
        campaign=data.campaign,
        form=data.form,
        source=source,
        created_by=by,
        created_at=now,
        consent_at=now if data.consent_text else None,
        consent_text=data.consent_text,
    )
    key = (data.channel.pk, data.segment)
    if key not in deadlines:  # the same for every lead of a channel and segment at ``now``
        deadlines[key] = sla.deadline_for(
            channel=key[0], segment=key[1], start=now, candidates=policies
        )
    reason = route_new_lead(lead=lead, now=now, deadline=deadlines[key])
    stamp(lead, by=by, reason=f"intake ({source}); {reason}")
    # A brand-new lead has no deal: the response needs no query for it.
    lead._state.fields_cache["deal"] = None
    return lead


# --- The writes: one hand-written statement on PostgreSQL, the ORM elsewhere -----------------
#
# A batch of 1,000 items through the ORM's ``bulk_create`` spent most of its time in Python:
# Django prepares 37 values per lead (``get_db_prep_save``), and psycopg quotes every value of
# the arrays Django 5.2 binds for ``INSERT ... FROM UNNEST`` one by one (client-side binding),
# about 0.1 s for 700 leads. On PostgreSQL the rows travel instead as json parameters
# (``json.dumps`` is C; psycopg quotes one string) that the server unpacks with
# ``json_to_recordset``, and every write of a batch -- the new leads, their creation history,
# the repeat counters of existing leads, the request records -- is one statement of
# data-modifying CTEs: one round trip whether the batch holds one item or a thousand (the
# single POST sent three INSERTs and an UPDATE before). tests/leads/test_batch_intake.py checks
# that it stores exactly the rows the ORM path (``_write_orm``) stores for the same data.


@dataclass(frozen=True)
class Writes:
    """What a judged batch stores: ``created`` (unsaved leads, in the batch's order; each
    gets its id, ascending in that order, as ``bulk_create`` gives them) with one creation
    history row each (type ``+``, the lead's stamped reason and user, at ``history_at``);
    ``repeats`` (existing lead id -> repeat requests) added to those leads' counters; one
    request record per item (``requests``: its lead, duplicate, payload; in the batch's
    order), received at ``received_at`` from ``source``."""

    created: list[Lead]
    requests: list[tuple[Lead, bool, dict[str, Any]]]
    repeats: dict[int, int]
    history_at: datetime
    received_at: datetime
    source: str


def _write(writes: Writes) -> None:
    if connection.vendor == "postgresql":
        _write_postgresql(writes)
    else:
        _write_orm(writes)


def _write_orm(writes: Writes) -> None:
    if writes.created:
        Lead.objects.bulk_create(writes.created)
        Lead.history.bulk_history_create(  # type: ignore[attr-defined]
            writes.created, default_date=writes.history_at
        )
    for pk, n in writes.repeats.items():
        Lead.objects.filter(pk=pk).update(duplicate_requests=F("duplicate_requests") + n)
    LeadRequest.objects.bulk_create(
        LeadRequest(
            lead_id=lead.pk,
            received_at=writes.received_at,
            source=writes.source,
            duplicate=duplicate,
            payload=payload,
        )
        for lead, duplicate, payload in writes.requests
    )


def _json_value(value: Any) -> str:
    """``json.dumps``'s fallback for the values a lead holds that JSON has no type for: the
    server reads the text back through the column's own type (timestamptz, numeric)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"no JSON form for {type(value).__name__}")


@cache
def _write_sql() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The statement, and the (column, attribute) pairs of a lead row: every concrete column
    of ``Lead`` but the id, read from the model, so a field added later is written too (with
    its column's own type: ``json_to_recordset`` converts each JSON value by the type in its
    column list), and the history's columns from ``history_sql``.

    - ``new_lead`` inserts the leads in the batch's order (``ORDER BY v.ord``): the identity
      default draws the ids as the rows are inserted, so they ascend in that order (the same
      reliance on insertion order as ``bulk_create``'s), and ``numbered`` gives each its
      place back (``row_number() OVER (ORDER BY id)``, 1-based).
    - ``history`` copies each new row as ``RETURNING`` gives it (after defaults), with the
      reason and user of the same place.
    - ``repeat`` adds to the counters of existing leads (never one of this statement's own).
    - The request records name their lead by id (an existing lead) or by place (a new one),
      inserted in the batch's order.
    - The main query lists the new ids; PostgreSQL runs every data-modifying CTE to
      completion whether or not the main query reads it, and checks the request records'
      foreign key at the end of the statement, when the new leads exist.
    """
    fields = [f for f in Lead._meta.concrete_fields if f is not Lead._meta.pk]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    typed = ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)
    tracked = history_sql.tracked_columns()
    history_columns = ", ".join(f'"{c}"' for c in tracked)
    history_values = ", ".join(f'n."{c}"' for c in tracked)
    lead_table, request_table = Lead._meta.db_table, LeadRequest._meta.db_table
    # Table and column names come from the models; every value is a parameter.
    statement = (
        f"WITH new_lead AS ("  # noqa: S608
        f" INSERT INTO {lead_table} ({columns})"
        f" SELECT {columns} FROM json_to_recordset(%(leads)s::json) AS v({typed}, ord integer)"
        f" ORDER BY v.ord RETURNING *"
        f"), numbered AS ("
        f" SELECT *, row_number() OVER (ORDER BY id) AS place FROM new_lead"
        f"), history AS ("
        f" INSERT INTO {history_sql.history_table()} ({history_columns}, history_date,"
        f" history_change_reason, history_type, history_user_id)"
        f" SELECT {history_values}, %(history_at)s, a.reason, '+', a.by"
        f" FROM numbered AS n"
        f" JOIN unnest(%(reasons)s::text[], %(users)s::bigint[]) WITH ORDINALITY"
        f" AS a(reason, by, place) ON a.place = n.place"
        f" ORDER BY n.place"
        f"), repeat AS ("
        f" UPDATE {lead_table} AS l SET duplicate_requests = l.duplicate_requests + r.n"
        f" FROM unnest(%(repeat_ids)s::bigint[], %(repeat_counts)s::integer[]) AS r(id, n)"
        f" WHERE l.id = r.id"
        f"), request AS ("
        f" INSERT INTO {request_table} (lead_id, received_at, source, duplicate, payload)"
        f" SELECT coalesce((r.value->>0)::bigint, n.id), %(received_at)s, %(source)s,"
        f" (r.value->>2)::boolean, r.value->3"
        f" FROM json_array_elements(%(requests)s::json) WITH ORDINALITY AS r(value, ord)"
        f" LEFT JOIN numbered AS n ON n.place = (r.value->>1)::bigint"
        f" ORDER BY r.ord"
        f") SELECT id FROM new_lead ORDER BY id"
    )
    return statement, tuple((f.column, f.attname) for f in fields)


def _write_postgresql(writes: Writes) -> None:
    """``_write`` in one statement (``_write_sql``): every column of every lead as the ORM
    would write it (``auto_now`` fields get their ``pre_save`` value, as in ``bulk_create``)."""
    statement, columns = _write_sql()
    auto_now = [f for f in Lead._meta.concrete_fields if getattr(f, "auto_now", False)]
    rows = []
    place = {}  # id(lead) -> its 1-based place among the new leads
    for ord_, lead in enumerate(writes.created):
        for field in auto_now:
            field.pre_save(lead, add=True)
        row = {column: getattr(lead, attname) for column, attname in columns}
        row["ord"] = ord_
        rows.append(row)
        place[id(lead)] = ord_ + 1
    texts: dict[Any, str] = {}  # most leads of a batch share their times: each written once

    def text(value: Any) -> str:
        if value not in texts:
            texts[value] = _json_value(value)
        return texts[value]

    params: dict[str, Any] = {
        "leads": json.dumps(rows, default=text),
        "history_at": writes.history_at,
        "reasons": [lead._change_reason for lead in writes.created],  # type: ignore[attr-defined]
        "users": [getattr(lead._history_user, "pk", None) for lead in writes.created],  # type: ignore[attr-defined]
        "repeat_ids": list(writes.repeats),
        "repeat_counts": list(writes.repeats.values()),
        "received_at": writes.received_at,
        "source": writes.source,
        "requests": json.dumps(
            [
                [lead.pk, None if lead.pk else place[id(lead)], duplicate, payload]
                for lead, duplicate, payload in writes.requests
            ]
        ),
    }
    ids = [row[0] for row in sql.execute(statement, params)]
    for lead, pk in zip(writes.created, ids, strict=True):
        lead.pk = pk
        lead._state.adding = False
        lead._state.db = connection.alias
