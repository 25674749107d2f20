"""The hot paths' hand-written SQL: statements PostgreSQL only executes, and rows as models.

Compiling an ORM query costs about 0.4 ms of Python (the query's tree, joins, the select
list, the converters) where PostgreSQL answers a unique-index lookup in 0.1 ms, and the
ORM's client-side binding makes PostgreSQL parse and plan every statement afresh: the single
``POST /leads/`` spent more on both than on its work. So, for the few statements of the hot
paths (intake, the claim):

- ``execute`` runs a statement prepared, with a generic plan, once it has run a few times
  on the connection (``DATABASE_PREPARED_STATEMENTS``);
- ``select`` reads rows by a hand-written ``WHERE`` (the select list written once per model
  and process) and makes instances the way the ORM does (``from_db``, the backend's and the
  field's converters), so the rest of the code cannot tell;
- ``select_together`` sends a statement (a lock) and several reads in one round trip.

The ORM stays the way to read and write anything else. tests/org/test_sql.py compares the
instances with the ORM's and checks what is prepared.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@cache
def _select(model: type[Model]) -> tuple[str, tuple[str, ...]]:
    """``SELECT <every concrete column> FROM <table>`` and the attribute names, in order."""
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    return f"SELECT {columns} FROM {table}", tuple(f.attname for f in fields)  # noqa: S608


@cache
def _converters(model: type[Model]) -> tuple[tuple[int, Any, tuple[Any, ...]], ...]:
    """(position, column expression, converters) of each field whose database value the ORM
    converts: the backend's (SQLite's datetimes, booleans, decimals) then the field's own
    (``from_db_value``: JSON text), as ``SQLCompiler.get_converters`` orders them."""
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = (
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),  # type: ignore[attr-defined]
        )
        if converters:
            found.append((i, column, converters))
    return tuple(found)


def instance(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from one row of every concrete column, in ``_meta`` order (what
    ``SELECT`` above and ``RETURNING`` of the same columns give), as the ORM builds it."""
    row = list(values)
    for i, column, converters in _converters(model):
        for convert in converters:
            row[i] = convert(row[i], column, connection)
    return model.from_db(connection.alias, list(_select(model)[1]), row)


def execute(statement: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run a hot path's hand-written statement and return its rows; on PostgreSQL as a
    prepared statement, once it has run a few times on the connection.

    The ORM's cursors bind values client-side, so PostgreSQL parses and plans each query
    afresh; for intake's one write (a few CTEs over 37 columns) that took longer than
    running it. This cursor binds server-side, psycopg prepares the statement after
    ``prepare_threshold`` runs, and the settings give prepared statements a generic plan
    (``plan_cache_mode``): from then on the statement is only executed. The cursor is
    wrapped as Django wraps its own, so execute wrappers see it; while queries are logged
    the ORM's cursor runs it, so the log shows it with its values.
    Without ``DATABASE_PREPARED_STATEMENTS`` (or on SQLite) it is a plain execute."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        # Elsewhere, and while queries are logged (DEBUG, tests counting them): the ORM's own
        # cursor, whose log shows the statement with its values.
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

    connection.ensure_connection()
    with connection.make_cursor(ServerBindingCursor(connection.connection)) as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def select(model: type[M], where: str, params: Sequence[Any]) -> list[M]:
    """The rows of ``model``'s table matching ``where`` (SQL after ``WHERE``, ``%s`` for each
    of ``params``), as instances, read through ``execute``. Portable SQL keeps SQLite
    working too."""
    head, _attnames = _select(model)
    return [instance(model, row) for row in execute(f"{head} WHERE {where}", params)]


Query = tuple[type[Model], str, Sequence[Any]]  # model, WHERE, its values


def select_together(
    queries: Sequence[Query], *, first: tuple[str, Sequence[Any]] | None = None
) -> list[list[Any]]:
    """Several ``select``s in one round trip, each one's instances in its place; ``first``
    is a statement (SQL, values) sent before them, its result discarded.

    PostgreSQL runs them one after the other as separate statements, each with its own
    snapshot, so in READ COMMITTED the reads see what committed while ``first`` waited, e.g.
    for a lock: sent together in psycopg's pipeline mode, each prepared as ``execute``'s
    statements are (BEGIN, when a transaction starts here, travels with them); while
    queries are logged, as one simple query of client-side bound statements. Elsewhere, one
    statement after the other."""
    statements: list[tuple[str, Sequence[Any]]] = [first] if first else []
    statements += [
        (f"{_select(model)[0]} WHERE {where}", params) for model, where, params in queries
    ]
    rows: list[list[tuple[Any, ...]]] = []
    if connection.vendor == "postgresql" and not connection.queries_logged:
        from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]

        connection.ensure_connection()
        raw = connection.connection
        cursors = []
        # Leaving the pipeline waits for every result; an error it raises is Django's.
        with connection.wrap_database_errors, raw.pipeline():
            for statement, params in statements:
                cursor = connection.make_cursor(ServerBindingCursor(raw))
                cursor.execute(statement, params)
                cursors.append(cursor)
        for cursor in cursors:
            rows.append(cursor.fetchall())
            cursor.close()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "; ".join(sql for sql, _ in statements),
                [value for _, params in statements for value in params],
            )
            rows.append(cursor.fetchall())
            while cursor.nextset():
                rows.append(cursor.fetchall())
    else:
        with connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
                rows.append(cursor.fetchall())
    if first:
        rows = rows[1:]
    return [
        [instance(model, row) for row in found]
        for (model, _where, _params), found in zip(queries, rows, strict=True)
    ]
