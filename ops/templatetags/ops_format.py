from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from org.timefmt import span_text

register = template.Library()


@register.filter
def seconds_text(value: float | timedelta | None) -> str:
    """A duration people read at a glance: 42 s, 7 min, 2 hr 5 min, 73 days."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 60:
        return _("%(n)d s") % {"n": int(seconds)}
    return span_text(int(seconds // 60))
