"""What a report is asked for: a grouping and a period, validated once for API and pages.

Bad input never reaches the database: an unknown grouping or channel/campaign slug, or a
period ``org.periods.Period`` refuses (a malformed or out-of-range date, ``from`` after ``to``,
a range longer than ``settings.REPORT_MAX_DAYS``) raise ``ValidationError`` keyed by the query
parameter (``group_by``, ``from``, ``to``, ...), which the API turns into a 400.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.models import Campaign, Channel
from org.periods import Period

# Query parameter -> how leads are grouped. ``owner`` is the salesperson holding the lead.
GROUPINGS: dict[str, Promise] = {
    "channel": gettext_lazy("Channel"),
    "campaign": gettext_lazy("Campaign"),
    "segment": gettext_lazy("Segment"),
    "form": gettext_lazy("Web form"),
    "owner": gettext_lazy("Salesperson"),
}
DEFAULT_GROUPING = "channel"
DEFAULT_DAYS = 30  # the period when neither date is given: the last 30 days, today included

_SLUG = re.compile(r"^[-\w]{1,50}$")


@dataclass(frozen=True)
class ReportQuery:
    """A grouping, a period and optional narrowing to one channel and/or campaign."""

    group_by: str
    period: Period
    channel: Channel | None = None
    campaign: Campaign | None = None

    def leads_q(self, prefix: str = "") -> Q:
        """The leads the report is about (``prefix`` reaches the lead from another model)."""
        q = self.period.created_q(prefix)
        if self.channel is not None:
            q &= Q(**{f"{prefix}channel": self.channel})
        if self.campaign is not None:
            q &= Q(**{f"{prefix}campaign": self.campaign})
        return q


def report_period(
    *, date_from: str | None, date_to: str | None, today: date | None = None
) -> Period:
    """``from``/``to`` (YYYY-MM-DD, both inclusive) as a closed period: a missing ``to`` is
    today, a missing ``from`` is 29 days before ``to`` (``org.periods.Period.parse``)."""
    return Period.parse({"from": date_from, "to": date_to}, default_days=DEFAULT_DAYS, today=today)


def report_query(
    *,
    params: Mapping[str, str],
    groupings: tuple[str, ...] = tuple(GROUPINGS),
    today: date | None = None,
) -> ReportQuery:
    """The validated query from request parameters ``group_by``, ``from``, ``to`` and the
    optional ``channel`` / ``campaign`` slugs.

    ``groupings`` narrows what this report accepts; errors for every bad parameter are
    reported together.
    """
    errors: dict[str, list[str]] = {}
    narrowing: dict[str, Any] = {}
    unknown = {
        "channel": _("Unknown channel %(slug)r."),
        "campaign": _("Unknown campaign %(slug)r."),
    }
    for name, model in (("channel", Channel), ("campaign", Campaign)):
        slug = (params.get(name) or "").strip()
        if slug:
            # Not a slug (e.g. a NUL byte PostgreSQL would refuse): unknown, not a crash.
            valid = _SLUG.fullmatch(slug) is not None
            found = model.objects.filter(slug=slug).first() if valid else None  # type: ignore[attr-defined]
            if found is None:
                errors[name] = [unknown[name] % {"slug": slug}]
            narrowing[name] = found
    group_by = (params.get("group_by") or "").strip() or groupings[0]
    if group_by not in groupings:
        errors["group_by"] = [
            _("Unknown grouping %(value)r; use one of: %(choices)s.")
            % {"value": group_by, "choices": ", ".join(groupings)}
        ]
    period = None
    try:
        period = report_period(date_from=params.get("from"), date_to=params.get("to"), today=today)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors or period is None:
        raise ValidationError(errors)
    return ReportQuery(group_by=group_by, period=period, **narrowing)
