"""``{% sla_timer deadline now %}``: a live SLA timer (see org/timefmt.py, static/js/tandem.js)."""

from datetime import datetime

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from org.timefmt import time_left_text

register = template.Library()

SOON_SECONDS = 120


@register.simple_tag
def sla_timer(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return ""
    seconds = (deadline - now).total_seconds()
    state = "overdue" if seconds < 0 else "soon" if seconds < SOON_SECONDS else ""
    # The phrases travel with the element, so the script needs no catalogue of its own.
    return format_html(
        '<span class="countdown {}" data-deadline="{}" data-left="{}" data-over="{}">{}</span>',
        state,
        deadline.isoformat(),
        _("%(time)s left") % {"time": "{t}"},
        _("overdue %(time)s") % {"time": "{t}"},
        time_left_text(deadline, now),
    )
