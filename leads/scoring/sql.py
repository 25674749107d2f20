"""Lead scoring at scale on PostgreSQL: the database computes each lead's features and score.

A million leads cannot go through Python row by row within the bench targets (training on
1,000,000 closed leads ≤ 60 s, rescoring 1,000,000 open ones ≤ 30 s; BENCHMARKS.md). So:

- ``raw_inputs_sql`` is the one hand-written SQL rule: a lead's raw inputs, one per feature,
  equal to what ``features.lead_raw`` reads from a lead object (ids where it has slugs, a
  code for the kind of e-mail where it has the address; ``raw_tokens`` maps them to the same
  tokens). ``tests/leads/test_scoring_sql.py`` compares the two on leads with every kind of
  value.
- What a raw input *means* (its token: ``channel=expo``, ``need=long``) stays defined in
  Python (``features.VALUE``). Each feature's raw values are few: small integers (ids,
  codes, the hour, a length capped where its buckets end) and, for the four free-text
  features, the distinct values found by one scan. Python turns each into its token once and
  the database receives the answer per feature: an array indexed by the integer or a jsonb
  dictionary keyed by the text, giving the vocabulary code (training) or the weight
  (rescoring).
- Training reads one int32 code per lead and feature through ``COPY ... (FORMAT binary)``
  straight into numpy (``read_codes``). Rescoring is a set-based ``UPDATE`` computing the
  score with the stored arithmetic (``score_expression``: the same float operations in the
  same order, the same clamp and rounding as ``scoring.Compiled``), so a lead rescored here
  has exactly the score intake gives it (tested).

SQLite (development, most tests) takes the ORM path (``features.input_rows``) instead.
"""

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from leads.scoring.features import (
    EMAIL_KINDS,
    FEATURES,
    FREE_EMAIL_DOMAINS,
    NEED_LONG,
    VALUE,
    Slugs,
    zone,
)
from leads.scoring.scoring import CLAMP

# The four features whose raw input is free text; every other one is a small integer.
TEXT_RAWS = ("segment", "region", "utm_source", "utm_medium")
ID_RAWS = {"channel": "channels", "campaign": "campaigns", "form": "forms"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def raw_inputs_sql(alias: str) -> list[str]:
    """The SQL expressions of the raw inputs of the lead row ``alias``, one per feature in
    ``FEATURES`` order. They mean what ``features.lead_raw`` reads from the lead object:

    - channel, campaign, form: the id, 0 for none (``Slugs``: id -> slug, 0 -> "");
    - segment, region, UTM source and medium: the stored text as it is — ``VALUE`` trims,
      lower-cases and cuts it in Python, so that rule cannot drift between two languages;
    - contacts: 1 for an e-mail plus 2 for a phone (``features.contacts_code``);
    - e-mail domain: the index in ``EMAIL_KINDS`` of ``features.email_kind``: 0 without an
      e-mail, 1 when what follows its last "@" (``rpartition`` there, ``split_part(..., -1)``
      here), lower-cased, is a free mailbox's domain, else 2;
    - company: 1 when given, else 0 (``VALUE`` only asks whether it is empty);
    - need: its length in characters (``length`` counts characters, as ``len`` does), capped
      at ``NEED_LONG``, where the last bucket starts;
    - hour, weekday: the local hour and ISO weekday of arrival in ``TIME_ZONE`` (validated at
      start-up, so it can be quoted as a literal).
    """
    a = alias
    tz = _literal(str(zone()))
    free = "ARRAY[" + ", ".join(_literal(d) for d in sorted(FREE_EMAIL_DOMAINS)) + "]"
    expressions = {
        "channel": f"{a}.channel_id",
        "campaign": f"COALESCE({a}.campaign_id, 0)",
        "form": f"COALESCE({a}.form_id, 0)",
        "segment": f"{a}.segment",
        "region": f"{a}.region",
        "utm_source": f"{a}.utm_source",
        "utm_medium": f"{a}.utm_medium",
        "contacts": f"({a}.email <> '')::int + 2 * ({a}.phone <> '')::int",
        "email_domain": (
            f"CASE WHEN {a}.email = '' THEN 0"
            f" WHEN lower(split_part({a}.email, '@', -1)) = ANY({free}) THEN 1 ELSE 2 END"
        ),
        "company": f"({a}.company <> '')::int",
        "need": f"least(length({a}.need), {NEED_LONG})",
        "hour": f"date_part('hour', {a}.created_at AT TIME ZONE {tz})::int",
        "weekday": f"date_part('isodow', {a}.created_at AT TIME ZONE {tz})::int",
    }
    return [f"({expressions[feature]})" for feature in FEATURES]


def _int_domain(feature: str, slugs: Slugs) -> range:
    """Every value the integer raw input of ``feature`` can take (ids: those that exist)."""
    if feature in ID_RAWS:
        ids = getattr(slugs, ID_RAWS[feature])
        return range(0, max(ids, default=0) + 1)
    return {
        "contacts": range(4),
        "email_domain": range(len(EMAIL_KINDS)),
        "company": range(2),
        "need": range(NEED_LONG + 1),
        "hour": range(24),
        "weekday": range(1, 8),
    }[feature]


def _value_of(feature: str, raw: Any, slugs: Slugs) -> str:
    if feature in ID_RAWS:
        return VALUE[feature](getattr(slugs, ID_RAWS[feature]).get(raw, ""))
    if feature == "email_domain":
        return EMAIL_KINDS[raw]
    return VALUE[feature](raw)


def raw_tokens(texts: dict[str, set[str]], slugs: Slugs) -> list[dict[Any, str]]:
    """Per feature, in ``FEATURES`` order, each raw value -> its token: every value of an
    integer raw input, and of a text one the values in ``texts`` (``distinct_texts``)."""
    out = []
    for feature in FEATURES:
        values = texts.get(feature, set()) if feature in TEXT_RAWS else _int_domain(feature, slugs)
        out.append({raw: f"{feature}={_value_of(feature, raw, slugs)}" for raw in values})
    return out


def _select(
    leads: QuerySet[Any], columns: Sequence[tuple[str, Sequence[Any]]], order_by: Sequence[str] = ()
) -> tuple[str, list[Any]]:
    """The SQL of ``leads`` (with their filters and joins, in ``order_by`` order) selecting
    ``columns``, each ``(SQL over the lead row "leads_lead", its parameters)``: one scan of the
    table, no join of a million ids against a subquery."""
    from django.db.models import TextField
    from django.db.models.expressions import RawSQL

    names = [f"c{i}" for i in range(len(columns))]
    annotated = leads.order_by(*order_by).annotate(
        **{
            name: RawSQL(expression, list(params), output_field=TextField())  # noqa: S611 (ours)
            for name, (expression, params) in zip(names, columns, strict=True)
        }
    )
    sql, params = annotated.values_list(*names).query.sql_with_params()
    return sql, list(params)


LEAD = '"leads_lead"'  # how the ORM names the lead row in ``_select``'s queries


def distinct_texts(leads: QuerySet[Any]) -> dict[str, set[str]]:
    """The distinct values of the free-text raw inputs among ``leads``: one scan, a hash
    table per feature (``GROUPING SETS``)."""
    raws = dict(zip(FEATURES, raw_inputs_sql(LEAD), strict=True))
    inner, params = _select(leads, [(raws[feature], ()) for feature in TEXT_RAWS])
    columns = [f"c{i}" for i in range(len(TEXT_RAWS))]
    listed = ", ".join(columns)
    sql = (
        f"SELECT GROUPING({listed}), {listed} FROM ({inner}) AS s "  # noqa: S608
        f"GROUP BY GROUPING SETS ({', '.join(f'({c})' for c in columns)})"
    )
    width = len(columns)
    out: dict[str, set[str]] = {feature: set() for feature in TEXT_RAWS}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, *values in cursor.fetchall():
            # GROUPING() has a 1 bit for each column *not* grouped, the first one highest
            f = next(i for i in range(width) if not (mask >> (width - 1 - i)) & 1)
            out[TEXT_RAWS[f]].add(values[f])
    return out


def _lookups(
    maps: Sequence[dict[Any, Any]], cast: str, default: str, alias: str
) -> list[tuple[str, list[Any]]]:
    """Per feature, in ``FEATURES`` order, the SQL giving what ``maps`` says for the lead's raw
    input, ``default`` for a value it does not hold: an integer indexes an array (``raw + 1``:
    arrays start at 1; out of range is NULL), a text is a key of a jsonb dictionary (a binary
    search). Each array or dictionary is one parameter, parsed once per statement."""
    parts: list[tuple[str, list[Any]]] = []
    for feature, raw, values in zip(FEATURES, raw_inputs_sql(alias), maps, strict=True):
        if feature in TEXT_RAWS:
            parts.append(
                (f"COALESCE((%s::jsonb ->> {raw})::{cast}, {default})", [json.dumps(values)])
            )
        else:
            array = [values.get(i) for i in range(max(values, default=-1) + 1)]
            parts.append((f"COALESCE((%s::{cast}[])[{raw} + 1], {default})", [array]))
    return parts


# ``COPY ... (FORMAT binary)`` of int4 columns that are never null: a 19-byte header
# ("PGCOPY\n\377\r\n\0", 32-bit flags, 32-bit extension length 0), then per row a 16-bit field
# count and per field a 32-bit length (4) and the 32-bit value, all big-endian; a 16-bit -1 ends.
_COPY_HEADER = 19


def read_codes(
    leads: QuerySet[Any], codes: Sequence[dict[str, int]], *, order_by: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each lead of ``leads``, in ``order_by`` order, as one vocabulary code per feature (-1
    for a raw value not in ``codes``) and its outcome: ``(n x features int32, n int8 with 1 =
    converted)``, read by ``COPY`` in binary into numpy, never as Python rows."""
    from psycopg import sql as psql

    lookups = _lookups(codes, "int", "-1", LEAD)
    query, params = _select(
        leads, [*lookups, (f"({LEAD}.status = 'converted')::int", [])], order_by=order_by
    )
    width = len(FEATURES) + 1
    dtype = np.dtype([("n", ">i2")] + [(f"x{i}", ">i4", (2,)) for i in range(width)])
    buffer = bytearray()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # psycopg binds the parameters into the statement client-side (COPY takes none)
        statement = psql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(psql.SQL(query))  # type: ignore[arg-type]
        with cursor.copy(statement, params) as copy:
            for chunk in copy:
                buffer += chunk
    rows = np.frombuffer(memoryview(buffer)[_COPY_HEADER : len(buffer) - 2], dtype=dtype)
    if len(rows) and not (rows["n"] == width).all():
        raise RuntimeError("COPY rows are not as expected")
    values = np.empty((len(rows), width), dtype=np.int32)
    for i in range(width):
        field = rows[f"x{i}"]
        if len(rows) and not (field[:, 0] == 4).all():
            raise RuntimeError("COPY fields are not as expected")
        values[:, i] = field[:, 1]
    del rows, field, buffer
    return values[:, :-1], values[:, -1].astype(np.int8)


# --- Rescoring -----------------------------------------------------------------------------------

# Open leads are rescored a slice of ids at a time and, within it, in PASSES interleaved
# statements (id modulo PASSES), each its own transaction. Why: a lead's new row version fits
# in its page only while the page has room (``fillfactor = 80`` leaves a fifth free); then it
# is a HOT update, which touches none of the table's 14 indexes. One statement over every
# lead of a page needs room for a second copy of all of them and, past the first fifth, goes
# to other pages and through every index (four times the work: 86 s for a million leads on
# an idle machine). A sixth of each page per statement fits, and the next statement's visit
# prunes the versions the previous one left (committed, so dead to everyone).
PASSES = 6
SLICE = 120_000  # ids per slice: its pages stay in shared buffers across the passes
# Slices touch disjoint pages, so several connections can rescore them at once (slice i by
# connection i modulo WORKERS): each statement is one PostgreSQL backend busy on one core.
# Inside a transaction (a caller's atomic block, a test) there is one connection: the others
# could not see the caller's uncommitted model row.
WORKERS = 2


def score_expression(model: Any, weights: Sequence[dict[str, float]]) -> tuple[str, list[Any]]:
    """The stored arithmetic (``scoring.Compiled.probability`` and ``scoring.round4``) in SQL,
    for the lead row ``l``, with ``weights`` per feature (raw value -> weight of its token):
    ``(expression, parameters)``. Python and PostgreSQL both compute in IEEE doubles and call
    the C library's ``exp``; the sum is written left to right as Python adds it, then the same
    clamp, the same formula and the same rounding (half to even of ``p * 10000``: float8
    ``round`` is C's ``rint`` here, ``round`` there), so both give the same score to the last
    digit (tests/leads/test_scoring_sql.py)."""
    lookups = _lookups(weights, "float8", "0", "l")
    z = "(%s::float8 + " + " + ".join(sql for sql, _params in lookups) + ")"
    dictionaries = [param for _sql, params in lookups for param in params]
    t = f"greatest(-{CLAMP}::float8, least({CLAMP}::float8, %s::float8 * {z} + %s::float8))"
    p = f"(1 / (1 + exp({t})))"
    expression = f"(round({p} * 10000)::numeric / 10000)::numeric(5, 4)"
    return expression, [model.a, model.intercept, *dictionaries, model.b]


def weight_dictionaries(model: Any, leads: QuerySet[Any]) -> list[dict[str, float]]:
    """Per feature, raw value -> the model's weight of its token, for the raw values ``leads``
    have (a token the model does not know weighs nothing, as in ``Compiled.probability``)."""
    return [
        {raw: model.weights[token] for raw, token in tokens.items() if token in model.weights}
        for tokens in raw_tokens(distinct_texts(leads), Slugs.load())
    ]


def rescore(model: Any, leads: QuerySet[Any], open_statuses: Sequence[str], up_to: int) -> int:
    """Score the open, not erased leads with an id up to ``up_to`` with ``model`` (a
    ``Compiled``): slice by slice of ids, ``PASSES`` statements per slice (see above). The
    ``WHERE`` is ``training.rescored_leads()`` (``leads``, whose raw values the dictionaries
    hold) written out, so each statement walks its slice of the primary key only."""
    if up_to <= 0:
        return 0
    weights = weight_dictionaries(model, leads.filter(pk__lte=up_to))
    expression, params = score_expression(model, weights)
    statuses = list(open_statuses)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id) FROM leads_lead WHERE status = ANY(%s) AND erased_at IS NULL",
            [statuses],
        )
        first = cursor.fetchone()[0]
    if first is None:
        return 0
    slices = [(start, min(start + SLICE - 1, up_to)) for start in range(first, up_to + 1, SLICE)]

    def rescore_slices(part: Sequence[tuple[int, int]]) -> int:
        total = 0
        with connection.cursor() as cursor:
            for start, end in part:
                for k in range(PASSES):
                    cursor.execute(
                        f"UPDATE leads_lead AS l SET score = {expression}, "  # noqa: S608
                        "score_model_id = %s WHERE l.id BETWEEN %s AND %s AND l.id %% %s = %s"
                        " AND l.status = ANY(%s) AND l.erased_at IS NULL",
                        [*params, model.pk, start, end, PASSES, k, statuses],
                    )
                    total += cursor.rowcount
        return total

    def in_own_connection(part: Sequence[tuple[int, int]]) -> int:
        try:
            return rescore_slices(part)
        finally:
            connection.close()  # this thread's own connection

    if connection.in_atomic_block or WORKERS == 1 or len(slices) == 1:
        return rescore_slices(slices)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        parts = [slices[i::WORKERS] for i in range(WORKERS)]
        return sum(pool.map(in_own_connection, parts))
