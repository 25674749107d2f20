"""Audit-history reasons in the reader's language.

The services store each history row's reason as a short English note ("claimed",
"SLA breached: level 1", "stage new -> proposal"): that is data, kept as written so an audit
reads the same forever and in every language. Pages translate it only when they show it, and
this module is the one place that knows the notes' shapes: each known pattern maps to a
translatable label, its codes (statuses, touch kinds, reasons, stages) to their names. A note
no pattern knows is shown as stored.

    rows = with_reason_text(lead.history.all()[:50], names={"no_response": "No response"})
    {{ row.reason_text }}
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Row = TypeVar("Row")

# Fixed notes, as the services write them.
FIXED: dict[str, Any] = {
    "claimed": gettext_lazy("claimed from the queue"),
    "converted": gettext_lazy("converted to a deal"),
    "queued": gettext_lazy("queued"),
    "queued (nobody available for round-robin)": gettext_lazy(
        "queued (nobody available for round-robin)"
    ),
    "personal data erased": gettext_lazy("personal data erased"),
    "SLA breached: level 1": gettext_lazy("SLA breached: level 1, heads of sales notified"),
    "SLA sweep: nothing left to escalate": gettext_lazy("SLA sweep: nothing left to escalate"),
    "SLA sweep: level 2 not due": gettext_lazy("SLA sweep: level 2 not due yet"),
    "SLA level 2: owner removed, back to the queue": gettext_lazy(
        "SLA breached: level 2, taken from the owner and back to the queue"
    ),
    "SLA level 2: management notified": gettext_lazy("SLA breached: level 2, management notified"),
    "created": gettext_lazy("created"),
    "voided": gettext_lazy("voided"),
    "raised": gettext_lazy("raised"),
    "closed won": gettext_lazy("closed as won"),
    "closed lost": gettext_lazy("closed as lost"),
    "added": gettext_lazy("added"),
    "edited": gettext_lazy("edited"),
    "removed": gettext_lazy("removed"),
    "added with the stage": gettext_lazy("added with the stage"),
    "added with a deal stage": gettext_lazy("added with a deal stage"),
    "linked to the matrix": gettext_lazy("linked to the matrix"),
    "no sign-off": gettext_lazy("no sign-off needed"),
    "activated": gettext_lazy("activated"),
    "decided": gettext_lazy("decided"),
    "held": gettext_lazy("held"),
    "done": gettext_lazy("done"),
    "reopened": gettext_lazy("reopened"),
    "drafted": gettext_lazy("drafted"),
    "warned": gettext_lazy("risks noted"),
    "answered": gettext_lazy("answered"),
}

SOURCES: dict[str, Any] = {
    "api": gettext_lazy("the API"),
    "form": gettext_lazy("a web form"),
    "csv": gettext_lazy("a CSV import"),
    "admin": gettext_lazy("the admin"),
}


def _name(code: str, names: Mapping[str, str]) -> str:
    return str(names.get(code, code))


def _department(code: str) -> str:
    from org.models import Role

    return str(Role(code).label) if code in Role.values else code


def _touch_kind(code: str) -> str:
    from leads.models import Touch

    return str(Touch.Kind(code).label).lower() if code in Touch.Kind.values else code


# (pattern, label builder). The first that matches the whole note wins.
PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], Mapping[str, str]], str]]] = [
    (
        re.compile(r"intake \((?P<source>[a-z]+)\); (?P<rest>.+)"),
        lambda m, names: (
            _("received through %(source)s; %(what)s")
            % {
                "source": SOURCES.get(m["source"], m["source"]),
                "what": reason_text(m["rest"], names),
            }
        ),
    ),
    (
        re.compile(r"auto-assigned to (?P<user>.+)"),
        lambda m, names: _("assigned round-robin to %(user)s") % {"user": m["user"]},
    ),
    (
        re.compile(r"assigned to (?P<user>.+)"),
        lambda m, names: _("assigned to %(user)s") % {"user": m["user"]},
    ),
    (
        re.compile(r"reassigned to (?P<user>.+)"),
        lambda m, names: _("reassigned to %(user)s") % {"user": m["user"]},
    ),
    (
        re.compile(r"first touch \((?P<kind>[a-z_]+)\)"),
        lambda m, names: _("first touch (%(kind)s)") % {"kind": _touch_kind(m["kind"])},
    ),
    (
        re.compile(r"qualified \(definition v(?P<version>\d+)\)"),
        lambda m, names: _("qualified (lead definition v%(version)s)") % {"version": m["version"]},
    ),
    (
        re.compile(r"disqualified \((?P<code>[\w-]+)\)"),
        lambda m, names: _("disqualified (%(reason)s)") % {"reason": _name(m["code"], names)},
    ),
    (
        re.compile(r"stage (?P<source>[\w-]+) -> (?P<target>[\w-]+)"),
        lambda m, names: (
            _("stage %(source)s → %(target)s")
            % {"source": _name(m["source"], names), "target": _name(m["target"], names)}
        ),
    ),
    (
        re.compile(r"sign-off by (?P<department>\w+)"),
        lambda m, names: (
            _("sign-off by %(department)s") % {"department": _department(m["department"])}
        ),
    ),
    (
        re.compile(r"(?P<source>\w+) -> (?P<target>\w+)"),
        lambda m, names: f"{_name(m['source'], names)} → {_name(m['target'], names)}",
    ),
    (
        re.compile(r"closed lost \((?P<code>[\w-]+)\)"),
        lambda m, names: _("closed as lost (%(reason)s)") % {"reason": _name(m["code"], names)},
    ),
    (
        re.compile(r"edited: (?P<fields>[\w, ]+)"),
        lambda m, names: (
            _("edited: %(fields)s")
            % {"fields": ", ".join(_name(f, names) for f in m["fields"].split(", "))}
        ),
    ),
]


def reason_text(reason: str | None, names: Mapping[str, str] | None = None) -> str:
    """The stored ``reason`` in the active language. ``names`` turns codes inside it (a
    disqualification reason, a stage, a field, a dispute answer) into what people call them."""
    if not reason:
        return ""
    names = names or {}
    if reason in FIXED:
        return str(FIXED[reason])
    if reason in names:
        return str(names[reason])
    for pattern, build in PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return build(match, names)
    return reason


def with_reason_text(rows: Iterable[Row], names: Mapping[str, str] | None = None) -> list[Row]:
    """History rows with ``reason_text`` set: the reason translated, or, for a row saved
    without one (an edit in the admin), what kind of change it was."""
    out = list(rows)
    for row in out:
        stored = getattr(row, "history_change_reason", None)
        text = reason_text(stored, names)
        if not text and hasattr(row, "get_history_type_display"):
            text = str(row.get_history_type_display())
        row.reason_text = text  # type: ignore[attr-defined]
    return out
