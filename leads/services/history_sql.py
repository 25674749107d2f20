"""The columns of lead history rows, for the hot paths that write them in SQL.

The claim and the SLA sweep write ``leads_historicallead`` rows inside their own statements
(``INSERT ... SELECT``) instead of through simple-history's per-instance signal. The rows are
the same as ``save()`` writes: every tracked column of the lead, plus ``history_date``,
``history_change_reason``, ``history_type`` and ``history_user_id``. The column list is read
from the historical model, so a field added to ``Lead`` later is copied too, and a column
these statements could not fill stops them loudly instead of writing incomplete rows.
"""

from functools import cache

from django.core.exceptions import ImproperlyConfigured

from leads.models import Lead

HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


@cache
def tracked_columns() -> tuple[str, ...]:
    """The lead columns every history row copies (``history_id`` is the serial)."""
    lead_columns = {f.column for f in Lead._meta.concrete_fields}
    columns = []
    for field in Lead.history.model._meta.concrete_fields:  # type: ignore[attr-defined]
        if field.column == "history_id" or field.column in HISTORY_COLUMNS:
            continue
        if field.column not in lead_columns:
            raise ImproperlyConfigured(f"lead history SQL cannot fill {field.column}")
        columns.append(field.column)
    return tuple(columns)


def history_table() -> str:
    return str(Lead.history.model._meta.db_table)  # type: ignore[attr-defined]
