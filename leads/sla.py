"""First-response deadlines: which policy applies and when its clock runs out."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q

from leads.models import Channel, SlaPolicy

DEFAULT_MINUTES = 5


@dataclass(frozen=True)
class BusinessHours:
    start: time
    end: time
    days: frozenset[int]  # ISO weekdays, 1 = Monday
    tz: zoneinfo.ZoneInfo


def policy_for(*, channel: Channel | int | None, segment: str) -> SlaPolicy | None:
    """The most specific policy: channel+segment, channel, segment, then the default."""
    channel_id = channel.pk if isinstance(channel, Channel) else channel
    candidates = SlaPolicy.objects.filter(
        Q(channel_id=channel_id) | Q(channel__isnull=True), segment__in={segment, ""}
    )

    def rank(policy: SlaPolicy) -> int:
        return (2 if policy.channel_id is not None else 0) + (1 if policy.segment else 0)

    return max(candidates, key=rank, default=None)


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


def add_working_time(start: datetime, minutes: int, hours: BusinessHours | None) -> datetime:
    """``start`` plus ``minutes`` of working time, in UTC.

    Without business hours every minute counts. With them, only minutes inside the working
    window of a working day count; the window is read in the policy's time zone, and all
    arithmetic is done in UTC so daylight-saving shifts never add or lose an hour.
    """
    start = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    if hours is None:
        return start + remaining
    if not hours.days or hours.start >= hours.end:
        raise ValueError("business hours need working days and a start before the end")
    day = start.astimezone(hours.tz).date()
    cursor = start
    while True:
        if day.isoweekday() in hours.days:
            opens = datetime.combine(day, hours.start, tzinfo=hours.tz).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=hours.tz).astimezone(UTC)
            cursor = max(cursor, opens)
            if cursor < closes:
                available = closes - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
        day += timedelta(days=1)


def deadline_for(
    *, channel: Channel | int | None, segment: str, start: datetime
) -> tuple[datetime, int]:
    """The first-response deadline for a lead entering the queue at ``start``, and the
    policy's minutes (the length of one SLA period, used for the level-2 escalation)."""
    policy = policy_for(channel=channel, segment=segment)
    minutes = policy.first_response_minutes if policy else DEFAULT_MINUTES
    return add_working_time(start, minutes, business_hours_of(policy)), minutes
