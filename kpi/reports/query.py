"""What a report is asked for: a grouping and a period, validated once for API and pages.

Bad input never reaches the database: an unknown grouping, a malformed date, ``from`` after
``to`` or a range longer than ``settings.REPORT_MAX_DAYS`` raise ``ValidationError`` keyed by
the query parameter (``group_by``, ``from``, ``to``), which the API turns into a 400.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.models import Campaign, Channel

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

# Calendar dates outside these years cannot be real lead dates and would overflow time zone
# arithmetic near date.min / date.max.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLUG = re.compile(r"^[-\w]{1,50}$")


@dataclass(frozen=True)
class Period:
    """Inclusive calendar dates in ``settings.TIME_ZONE``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, day after end 00:00)`` in the configured zone, as aware datetimes."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )

    def created_q(self, prefix: str = "") -> Q:
        """Leads created in the period (``prefix`` reaches the lead from another model)."""
        start, end = self.bounds()
        return Q(**{f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end})


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


def _parse_date(raw: str | None, name: str) -> date | None:
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    if not _ISO_DATE.fullmatch(raw):
        raise ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]})
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            {name: [_("%(value)s is not a calendar date.") % {"value": raw}]}
        ) from None
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(
            {
                name: [
                    _("Enter a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
                ]
            }
        )
    return value


def report_period(
    *, date_from: str | None, date_to: str | None, today: date | None = None
) -> Period:
    """Parse ``from``/``to`` (YYYY-MM-DD, both inclusive). A missing ``to`` is today, a missing
    ``from`` is 29 days before ``to``."""
    start = _parse_date(date_from, "from")
    end = _parse_date(date_to, "to")
    if end is None:
        today = today or timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
        end = max(today, start) if start is not None else today
    if start is None:
        start = max(end - timedelta(days=DEFAULT_DAYS - 1), EARLIEST)
    if start > end:
        raise ValidationError({"from": [_("The start date is after the end date.")]})
    period = Period(start, end)
    if period.days > settings.REPORT_MAX_DAYS:
        raise ValidationError(
            {
                "to": [
                    _("The period is %(days)d days long; at most %(max)d days are allowed.")
                    % {"days": period.days, "max": settings.REPORT_MAX_DAYS}
                ]
            }
        )
    return period


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
