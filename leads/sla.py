"""First-response deadlines: which policy applies and when its clock runs out."""

import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings

from leads.models import Channel, SlaPolicy
from org import sql
from org.calendar import Calendar, company_calendar

DEFAULT_MINUTES = 5


@dataclass(frozen=True)
class BusinessHours:
    start: time
    end: time
    days: frozenset[int]  # ISO weekdays, 1 = Monday
    tz: zoneinfo.ZoneInfo


def policy_for(
    *,
    channel: Channel | int | None,
    segment: str,
    candidates: list[SlaPolicy] | None = None,
) -> SlaPolicy | None:
    """The most specific policy: channel+segment, channel, segment, then the default.

    ``candidates``: policies read beforehand by ``policies_where`` for this key among others
    (a batch reads them once for all its keys); without them, one query."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    if candidates is None:
        # Every intake asks this: hand-written (``org.sql``), compiling the ORM's query cost
        # more than running it.
        candidates = sql.select(SlaPolicy, *policies_where({(channel_id, segment)}))

    def rank(policy: SlaPolicy) -> int:
        return (2 if policy.channel_id is not None else 0) + (1 if policy.segment else 0)

    return max(
        (
            p
            for p in candidates
            if p.channel_id in (channel_id, None) and p.segment in (segment, "")
        ),
        key=rank,
        default=None,
    )


def policies_where(keys: Collection[tuple[int | None, str]]) -> tuple[str, list[Any]]:
    """The SQL condition (and its values) of the policies that may apply to any of ``keys``
    (channel id, segment): ``policy_for`` picks each key's among them."""
    channels = sorted({c for c, _ in keys if c is not None})
    segments = sorted({s for _, s in keys} | {""})
    by_channel = f"channel_id IN ({', '.join(['%s'] * len(channels))}) OR " if channels else ""
    marks = ", ".join(["%s"] * len(segments))
    return f"({by_channel}channel_id IS NULL) AND segment IN ({marks})", [*channels, *segments]


def business_hours_of(policy: SlaPolicy | None) -> BusinessHours | None:
    if policy is None or not policy.has_business_hours:
        return None
    assert policy.business_hours_start is not None and policy.business_hours_end is not None
    return BusinessHours(
        start=policy.business_hours_start,
        end=policy.business_hours_end,
        days=frozenset(policy.working_days or range(1, 6)),
        tz=zoneinfo.ZoneInfo(policy.timezone or settings.TIME_ZONE),
    )


# Working time never found this far ahead: a calendar that closes every day (a runaway list
# of company days off) is refused instead of looping.
MAX_DAYS_AHEAD = 3660


def add_working_time(
    start: datetime,
    minutes: int,
    hours: BusinessHours | None,
    calendar: Calendar | None = None,
) -> datetime:
    """``start`` plus ``minutes`` of working time, in UTC.

    Without business hours every minute counts. With them, only minutes inside the working
    window of a working day count; the window is read in the policy's time zone, and all
    arithmetic is done in UTC so daylight-saving shifts never add or lose an hour. A working
    day is one of the policy's weekdays, unless ``calendar`` (the company calendar: public
    holidays, company days off and worked weekend days) says otherwise.
    """
    start = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    if hours is None:
        return start + remaining
    if not hours.days or hours.start >= hours.end:
        raise ValueError("business hours need working days and a start before the end")
    day = start.astimezone(hours.tz).date()
    last = day + timedelta(days=MAX_DAYS_AHEAD)
    cursor = start
    while day <= last:
        worked = calendar.is_worked(day, hours.days) if calendar else day.isoweekday() in hours.days
        if worked:
            opens = datetime.combine(day, hours.start, tzinfo=hours.tz).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=hours.tz).astimezone(UTC)
            cursor = max(cursor, opens)
            if cursor < closes:
                available = closes - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no working time in the next ten years: check the company calendar")


def deadline_for(
    *,
    channel: Channel | int | None,
    segment: str,
    start: datetime,
    candidates: list[SlaPolicy] | None = None,
) -> tuple[datetime, int]:
    """The first-response deadline for a lead entering the queue at ``start``, and the
    policy's minutes (the length of one SLA period, used for the level-2 escalation).
    ``candidates`` as for ``policy_for``."""
    policy = policy_for(channel=channel, segment=segment, candidates=candidates)
    minutes = policy.first_response_minutes if policy else DEFAULT_MINUTES
    hours = business_hours_of(policy)
    calendar = calendar_for(start, hours)
    return add_working_time(start, minutes, hours, calendar), minutes


def calendar_for(start: datetime, hours: BusinessHours | None) -> Calendar | None:
    """The company calendar a business-hours deadline from ``start`` reads (None without
    business hours: every minute counts, holidays included)."""
    if hours is None:
        return None
    return company_calendar(since=start.astimezone(hours.tz).date())


def hours_for(*, channel: Channel | int | None, segment: str) -> BusinessHours | None:
    return business_hours_of(policy_for(channel=channel, segment=segment))
