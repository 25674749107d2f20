"""Synthetic closed leads whose answer is known, for the scoring tests."""

from datetime import UTC, datetime, timedelta

from leads.models import Channel, DisqualificationReason, Lead

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def closed_history(
    *,
    converting: Channel,
    failing: Channel,
    mixed: Channel | None = None,
    per_channel: int = 30,
    start: datetime = START,
) -> list[Lead]:
    """``per_channel`` closed leads (weekly) on each channel: ``converting`` always reached a deal,
    ``failing`` never did, ``mixed`` half of the time. The region alternates north/south
    independently of the outcome: a feature with no signal."""
    reason = DisqualificationReason.objects.get(code="not_target")
    leads = []
    channels = [(converting, lambda i: True), (failing, lambda i: False)]
    if mixed is not None:
        channels.append((mixed, lambda i: i % 4 < 2))
    n = 0
    for i in range(per_channel):  # the channels interleaved in time
        for channel, converts in channels:
            won = converts(i)
            leads.append(
                Lead(
                    name=f"History {n}",
                    email=f"history{n}@example.com",
                    channel=channel,
                    region="north" if i % 2 else "south",
                    status=Lead.Status.CONVERTED if won else Lead.Status.DISQUALIFIED,
                    disqualification_reason=None if won else reason,
                    # a week apart, minutes between channels: the same hour and weekday for
                    # all, so only the channel carries a signal
                    created_at=start + timedelta(days=7 * i, minutes=len(leads) % 3),
                    closed_at=start + timedelta(days=7 * i + 2),
                )
            )
            n += 1
    return Lead.objects.bulk_create(leads)
