"""The audit trail's who, why and when, written one way for every app.

Every audited model keeps its history with django-simple-history. A history row records the
user, a reason (a column of ``REASON_MAX`` characters) and a time. Services never set the
library's private attributes themselves; they call one of these:

    from org.audit import bulk_history, delete_audited, save_audited, stamp

    save_audited(deal, by=user, reason="stage proposal -> meeting", fields=["stage"])
    save_audited(brief, by=user, reason="sent", at=sent_at)  # the step happened at ``at``
    delete_audited(handoff, by=user, reason="removed")

    for lead in leads:                                   # batch writes: stamp each object,
        stamp(lead, by=user, reason="intake (api); queued")
    Lead.objects.bulk_create(leads)                      # write the rows in one statement,
    bulk_history(Lead, leads)                            # and their history in one more

The reason is cut to ``REASON_MAX`` characters, so a long free-text part (a 150-character
username, a long stage name) never makes the save fail. ``at`` is the moment the step
happened when it differs from now (the demo data, the SLA sweep's breach times).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from django.db.models import Model

from org.models import User

# django-simple-history's ``history_change_reason`` column (tests/org/test_audit.py checks).
REASON_MAX = 100

M = TypeVar("M", bound=Model)


def stamp(obj: M, *, by: User | None, reason: str, at: datetime | None = None) -> M:
    """Mark ``obj`` so that its next save, delete or ``bulk_history`` records ``by`` (a user
    or None for the system), ``reason`` and, when given, ``at``. Returns ``obj``."""
    setattr(obj, "_history_user", by)  # noqa: B010  (simple-history reads these attributes)
    setattr(obj, "_change_reason", reason[:REASON_MAX])  # noqa: B010
    if at is not None:
        setattr(obj, "_history_date", at)  # noqa: B010
    return obj


def save_audited(
    obj: Model,
    *,
    by: User | None,
    reason: str,
    fields: Sequence[str] | None = None,
    at: datetime | None = None,
) -> None:
    """Save ``obj`` (only ``fields`` when given) with the history's who, why and when."""
    stamp(obj, by=by, reason=reason, at=at)
    obj.save(update_fields=fields)


def delete_audited(obj: Model, *, by: User | None, reason: str) -> None:
    """Delete ``obj``; its history keeps who removed it and why."""
    stamp(obj, by=by, reason=reason)
    obj.delete()


def bulk_history(model: type[M], objs: Sequence[M], *, update: bool = False) -> None:
    """Write the history rows of ``objs`` (already bulk-written, each ``stamp``-ed) in one bulk
    insert. ``update`` records them as changes (``~``) instead of creations (``+``)."""
    if objs:
        getattr(model, "history").bulk_history_create(list(objs), update=update)  # noqa: B009
