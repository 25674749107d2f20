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
from django.db.models import F, Q
from django.utils import timezone

from leads import sla
from leads.models import Campaign, Channel, Escalation, Lead, LeadRequest, WebForm
from leads.scoring.scoring import score_new_leads
from leads.services import history_sql
from leads.services.queue import route_new_lead
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


def _lock_contacts(contacts: set[str]) -> None:
    """Serialise intakes that share a contact until this transaction ends (PostgreSQL)."""
    if connection.vendor != "postgresql" or not contacts:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM ("
            "  SELECT DISTINCT hashtextextended('lead-contact:' || c, 0) AS k"
            "  FROM unnest(%s::text[]) AS c ORDER BY k) AS keys",
            [sorted(contacts)],
        )


def _intake_batch(
    *, items: Sequence[LeadInput], source: str, by: User | None, now: datetime
) -> list[IntakeResult]:
    emails = {data.email for data in items if data.email}
    phones = {data.phone for data in items if data.phone}
    _lock_contacts(emails | phones)
    # Each branch repeats its unique index's predicate (non-empty contact, open status), so
    # PostgreSQL probes the two partial indexes even for a thousand contacts (without it, the
    # planner chose a scan of the whole table).
    match = Q(pk__in=[])
    if emails:
        match |= Q(email__in=emails) & ~Q(email="")
    if phones:
        match |= Q(phone__in=phones) & ~Q(phone="")
    by_email: dict[str, Lead] = {}
    by_phone: dict[str, Lead] = {}
    for lead in Lead.objects.filter(match, status__in=Lead.OPEN_STATUSES).order_by():
        if lead.email:
            by_email[lead.email] = lead
        if lead.phone:
            by_phone[lead.phone] = lead

    results: list[IntakeResult] = []
    created: list[Lead] = []
    # A brand-new lead has no escalations: the response reads this (shared) empty result.
    no_escalations = Escalation.objects.none()
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
        lead = _new_lead(data=data, source=source, by=by, now=now, deadlines=deadlines)
        lead._prefetched_objects_cache = {"escalations": no_escalations}  # type: ignore[attr-defined]
        created.append(lead)
        results.append(IntakeResult(lead, False))
        if lead.email:
            by_email[lead.email] = lead
        if lead.phone:
            by_phone[lead.phone] = lead

    if created:
        score_new_leads(created)
        _insert_leads(created)  # a repeat of a new lead is counted in it already
        _write_history(created, now=timezone.now())
    _count_repeats(repeats)
    _insert_requests(
        [
            (result.lead.pk, result.duplicate, data.payload())
            for data, result in zip(items, results, strict=True)
        ],
        received_at=now,
        source=source,
    )
    return results


def _new_lead(
    *,
    data: LeadInput,
    source: str,
    by: User | None,
    now: datetime,
    deadlines: dict[tuple[int, str], tuple[datetime, int]],
) -> Lead:
    """An unsaved lead for ``data``, queued (or assigned round-robin), with the history
    reason and user its creation is recorded with."""
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
        deadlines[key] = sla.deadline_for(channel=key[0], segment=key[1], start=now)
    reason = route_new_lead(lead=lead, now=now, deadline=deadlines[key])
    stamp(lead, by=by, reason=f"intake ({source}); {reason}")
    # A brand-new lead has no deal: the response needs no query for it.
    lead._state.fields_cache["deal"] = None
    return lead


# --- The writes: hand-written SQL on PostgreSQL, the ORM elsewhere -----------------------------
#
# A batch of 1,000 items through the ORM's ``bulk_create`` spent most of its time in Python:
# Django prepares 37 values per lead (``get_db_prep_save``), and psycopg quotes every value of
# the arrays Django 5.2 binds for ``INSERT ... FROM UNNEST`` one by one (client-side binding),
# about 0.1 s for 700 leads. On PostgreSQL the rows below travel instead as ONE json parameter
# (``json.dumps`` is C; psycopg quotes one string) that the server unpacks with
# ``json_to_recordset`` in ``INSERT ... SELECT``. tests/leads/test_batch_intake.py checks that
# each SQL writer stores exactly the rows its ORM counterpart stores for the same data.


def _insert_leads(created: list[Lead]) -> None:
    """Insert the new leads (unsaved ``Lead`` objects, in the batch's order); each gets its id,
    ascending in that order, as ``bulk_create`` gives them."""
    if connection.vendor == "postgresql":
        _insert_leads_postgresql(created)
    else:
        _insert_leads_orm(created)


def _insert_leads_orm(created: list[Lead]) -> None:
    Lead.objects.bulk_create(created)


def _json_value(value: Any) -> str:
    """``json.dumps``'s fallback for the values a lead holds that JSON has no type for: the
    server reads the text back through the column's own type (timestamptz, numeric)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"no JSON form for {type(value).__name__}")


@cache
def _lead_insert_sql() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The statement and its (column, attribute) pairs: every concrete column of ``Lead`` but
    the id, read from the model, so a field added later is written too (with its column's
    own type: ``json_to_recordset`` converts each JSON value by the type in its column
    list). ``ord`` is each row's place in the batch."""
    fields = [f for f in Lead._meta.concrete_fields if f is not Lead._meta.pk]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    typed = ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)
    sql = (
        f"INSERT INTO {Lead._meta.db_table} ({columns}) "  # noqa: S608 (names from the model)
        f"SELECT {columns} FROM json_to_recordset(%s::json) AS v({typed}, ord integer) "
        f"ORDER BY v.ord RETURNING id"
    )
    return sql, tuple((f.column, f.attname) for f in fields)


def _insert_leads_postgresql(created: list[Lead]) -> None:
    """One statement whatever the number of leads: ``INSERT ... SELECT ... FROM
    json_to_recordset(%s) ORDER BY ord RETURNING id``, every column of every lead as the ORM
    would write it (``auto_now`` fields get their ``pre_save`` value, as in ``bulk_create``).

    The ids: the identity default draws them as the rows are inserted, and rows are inserted
    in the order the SELECT yields them (``ORDER BY ord``), so the ids ascend in the batch's
    order -- sorted, they are the leads' ids in that order, whatever order ``RETURNING``
    lists them in (the same reliance on insertion order as ``bulk_create``'s).
    """
    sql, columns = _lead_insert_sql()
    auto_now = [f for f in Lead._meta.concrete_fields if getattr(f, "auto_now", False)]
    rows = []
    for ord_, lead in enumerate(created):
        for field in auto_now:
            field.pre_save(lead, add=True)
        row = {column: getattr(lead, attname) for column, attname in columns}
        row["ord"] = ord_
        rows.append(row)
    texts: dict[Any, str] = {}  # most leads of a batch share their times: each written once

    def text(value: Any) -> str:
        if value not in texts:
            texts[value] = _json_value(value)
        return texts[value]

    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, default=text)])
        ids = sorted(row[0] for row in cursor.fetchall())
    for lead, pk in zip(created, ids, strict=True):
        lead.pk = pk
        lead._state.adding = False
        lead._state.db = connection.alias


def _insert_requests(
    rows: list[tuple[int, bool, dict[str, Any]]], *, received_at: datetime, source: str
) -> None:
    """One request record per item, in the batch's order: (lead id, duplicate, payload)."""
    if connection.vendor == "postgresql":
        _insert_requests_postgresql(rows, received_at=received_at, source=source)
    else:
        _insert_requests_orm(rows, received_at=received_at, source=source)


def _insert_requests_orm(
    rows: list[tuple[int, bool, dict[str, Any]]], *, received_at: datetime, source: str
) -> None:
    LeadRequest.objects.bulk_create(
        LeadRequest(
            lead_id=lead_id,
            received_at=received_at,
            source=source,
            duplicate=duplicate,
            payload=payload,
        )
        for lead_id, duplicate, payload in rows
    )


def _insert_requests_postgresql(
    rows: list[tuple[int, bool, dict[str, Any]]], *, received_at: datetime, source: str
) -> None:
    """``INSERT ... SELECT`` from one json parameter: the rows as ``[lead id, duplicate,
    payload]`` triples (``WITH ORDINALITY`` keeps the batch's order for the serial ids), the
    time and source shared by all."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LeadRequest._meta.db_table} "  # noqa: S608 (the table name only)
            "(lead_id, received_at, source, duplicate, payload) "
            "SELECT (r.value->>0)::bigint, %s, %s, (r.value->>1)::boolean, r.value->2 "
            "FROM json_array_elements(%s::json) WITH ORDINALITY AS r(value, ord) "
            "ORDER BY r.ord",
            [received_at, source, json.dumps(rows)],
        )


def _write_history(created: list[Lead], *, now: datetime) -> None:
    """The creation history rows of ``created`` (type ``+``, each lead's reason and user), in
    one statement: ``_history_postgresql`` on PostgreSQL, simple-history's bulk insert
    elsewhere. ``tests/leads/test_batch_intake.py`` checks both write the same rows."""
    if connection.vendor == "postgresql":
        _history_postgresql(created, now=now)
    else:
        _history_orm(created, now=now)


def _history_orm(created: list[Lead], *, now: datetime) -> None:
    Lead.history.bulk_history_create(created, default_date=now)  # type: ignore[attr-defined]


def _history_postgresql(created: list[Lead], *, now: datetime) -> None:
    """``INSERT ... SELECT`` from the rows just inserted (the same transaction: nothing else
    changed them), so no history row is built in Python; reasons and users come as arrays,
    rows in the leads' order."""
    columns = history_sql.tracked_columns()
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f'l."{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history_sql.history_table()} ({names}, history_date, "  # noqa: S608
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {values}, %s, v.reason, '+', v.by "
            "FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::bigint[]) "
            "AS v(id, ord, reason, by) "
            f"JOIN {Lead._meta.db_table} AS l ON l.id = v.id ORDER BY v.ord",
            [
                now,
                [lead.pk for lead in created],
                list(range(len(created))),
                [lead._change_reason for lead in created],  # type: ignore[attr-defined]
                [getattr(lead._history_user, "pk", None) for lead in created],  # type: ignore[attr-defined]
            ],
        )


def _count_repeats(repeats: dict[int, int]) -> None:
    """Add the repeat requests to the existing leads' counters, in one statement."""
    if not repeats:
        return
    if connection.vendor != "postgresql":
        for pk, n in repeats.items():
            Lead.objects.filter(pk=pk).update(duplicate_requests=F("duplicate_requests") + n)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Lead._meta.db_table} AS l "  # noqa: S608 (the table name only)
            "SET duplicate_requests = l.duplicate_requests + v.n "
            "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, n) WHERE l.id = v.id",
            [list(repeats), list(repeats.values())],
        )
