"""SLA policy rules, checked the same way by the API and the admin."""

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from leads.models import SlaPolicy

# What a policy is made of, as the API and the admin edit it.
POLICY_FIELDS = [
    "name",
    "first_response_minutes",
    "channel",
    "segment",
    "business_hours_start",
    "business_hours_end",
    "working_days",
    "timezone",
]


def validate_policy(values: dict[str, Any]) -> None:
    """Raise a field-keyed ValidationError for an unusable policy."""
    errors: dict[str, list[str]] = {}
    minutes = values.get("first_response_minutes")
    if minutes is None or minutes < 1:
        errors["first_response_minutes"] = [_("Must be at least one minute.")]
    start, end = values.get("business_hours_start"), values.get("business_hours_end")
    days = values.get("working_days") or []
    if (start is None) != (end is None):
        errors["business_hours_end"] = [_("Give both the start and the end of the working day.")]
    elif start is not None and end is not None:
        if start >= end:
            errors["business_hours_end"] = [_("The working day must end after it starts.")]
        if not days:
            errors["working_days"] = [_("Business hours need at least one working day.")]
    if any(not isinstance(d, int) or not 1 <= d <= 7 for d in days) or len(set(days)) != len(days):
        errors["working_days"] = [_("Working days are distinct numbers 1 (Monday) to 7.")]
    tz = values.get("timezone") or ""
    if tz:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = [_("Unknown time zone %(tz)r.") % {"tz": tz}]
    same_scope = SlaPolicy.objects.filter(
        channel=values.get("channel"), segment=values.get("segment") or ""
    )
    if values.get("id") is not None:
        same_scope = same_scope.exclude(pk=values["id"])
    if same_scope.exists():
        errors["segment"] = [_("A policy for this channel and segment already exists.")]
    if errors:
        raise ValidationError(errors)
