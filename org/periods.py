"""Report periods: the one way to read ``from``/``to``, check them and turn them into times.

A ``Period`` is a run of calendar days in ``settings.TIME_ZONE``, both ends inclusive; an end
may be open (``None``: since ever / up to now). Every endpoint and page that takes a period
goes through it, so every one answers bad dates the same way: a ``ValidationError`` keyed by
the parameter (a 400 in the API, a form error on a page), never a 500.

    from org.periods import Period

    # API / query string: YYYY-MM-DD; missing ends stay open
    period = Period.parse(request.query_params)
    # a report with defaults: missing ``to`` is today, missing ``from`` 29 days before ``to``
    period = Period.parse(params, default_days=30)
    # dates a form already parsed (errors keyed by the form's field names)
    period = Period.checked(start, end, names=("date_from", "date_to"))
    # ... or straight from a valid form, adding the errors to it (None when it has some)
    period = Period.from_form(form, "date_from", "date_to")

    rows.filter(period.q("created_at"))  # created_at within the days (open ends unbounded)
    start, end = period.bounds()  # closed: aware UTC [first day 00:00, day after the last 00:00)
    period.days  # closed: how many days
    for day in period.each_day(): ...  # closed: every day, in order

The checks: a date is ``YYYY-MM-DD`` and within the business dates every input from outside
keeps to (``org.inputs.EARLIEST``..``LATEST``, the reason is there), ``from`` is not after
``to``, and a closed period is at most ``settings.REPORT_MAX_DAYS`` days long.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.inputs import EARLIEST, in_range, range_message

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Names = tuple[str, str]
PARAMS: Names = ("from", "to")


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """Midnight starting ``day`` in ``settings.TIME_ZONE``, as an aware UTC datetime."""
    return datetime.combine(day, time.min, zone()).astimezone(UTC)


def parse_day(raw: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` query parameter; empty is None, anything else a ``ValidationError``."""
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    if not _ISO_DATE.fullmatch(raw):
        raise ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            {name: [_("%(value)s is not a calendar date.") % {"value": raw}]}
        ) from None


@dataclass(frozen=True)
class Period:
    """Inclusive calendar days in ``settings.TIME_ZONE``; ``None`` leaves an end open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(
        cls,
        params: Mapping[str, Any],
        *,
        names: Names = PARAMS,
        default_days: int | None = None,
        today: date | None = None,
    ) -> "Period":
        """Read and check ``params[names[0]]``/``params[names[1]]`` (YYYY-MM-DD). With
        ``default_days`` the period is closed: a missing end is today (or the start, if
        later), a missing start ``default_days - 1`` days before the end."""
        start = parse_day(params.get(names[0]), names[0])
        end = parse_day(params.get(names[1]), names[1])
        if default_days is not None:
            cls._check_range(start, names[0])
            cls._check_range(end, names[1])
            if end is None:
                today = today or timezone.localdate(timezone=zone())
                end = max(today, start) if start is not None else today
            if start is None:
                start = max(end - timedelta(days=default_days - 1), EARLIEST)
        return cls.checked(start, end, names=names)

    @classmethod
    def checked(
        cls, start: date | None, end: date | None, *, names: Names = PARAMS, capped: bool = True
    ) -> "Period":
        """The period of these dates, or a ``ValidationError`` keyed by ``names``. A list
        filter (not a report) passes ``capped=False`` to allow more than REPORT_MAX_DAYS."""
        cls._check_range(start, names[0])
        cls._check_range(end, names[1])
        if start is not None and end is not None:
            if start > end:
                raise ValidationError({names[0]: [_("The start date is after the end date.")]})
            days = (end - start).days + 1
            if capped and days > settings.REPORT_MAX_DAYS:
                raise ValidationError(
                    {
                        names[1]: [
                            _("The period is %(days)d days long; at most %(max)d days are allowed.")
                            % {"days": days, "max": settings.REPORT_MAX_DAYS}
                        ]
                    }
                )
        return cls(start, end)

    @classmethod
    def from_form(
        cls, form: forms.Form, start_field: str, end_field: str, *, capped: bool = True
    ) -> "Period | None":
        """The period of a form's two date fields; None, with the errors added to the form,
        when the form or the period is invalid."""
        if not form.is_valid():
            return None
        try:
            return cls.checked(
                form.cleaned_data.get(start_field),
                form.cleaned_data.get(end_field),
                names=(start_field, end_field),
                capped=capped,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return None

    @staticmethod
    def _check_range(day: date | None, name: str) -> None:
        if day is not None and not in_range(day):
            raise ValidationError({name: [range_message()]})

    def _closed(self) -> tuple[date, date]:
        if self.start is None or self.end is None:
            raise ValueError("an open period has no bounds")
        return self.start, self.end

    @property
    def days(self) -> int:
        """How many days a closed period has."""
        start, end = self._closed()
        return (end - start).days + 1

    def each_day(self) -> Iterator[date]:
        """Every day of a closed period, first to last."""
        start, end = self._closed()
        for offset in range((end - start).days + 1):
            yield start + timedelta(days=offset)

    def bounds(self) -> tuple[datetime, datetime]:
        """``[first day 00:00, day after the last 00:00)`` in the configured zone, as aware
        UTC datetimes (a closed period)."""
        start, end = self._closed()
        return day_start(start), day_start(end + timedelta(days=1))

    def q(self, field: str) -> Q:
        """``field`` (a datetime) within the period; an open end is not bounded."""
        condition = Q()
        if self.start is not None:
            condition &= Q(**{f"{field}__gte": day_start(self.start)})
        if self.end is not None:
            condition &= Q(**{f"{field}__lt": day_start(self.end + timedelta(days=1))})
        return condition

    def created_q(self, prefix: str = "") -> Q:
        """Rows created in the period (``prefix`` reaches ``created_at`` from another model)."""
        return self.q(f"{prefix}created_at")
