"""SLA timers in words people read at a glance: "4 min left", "overdue 12 min", "overdue 3 days".

The browser keeps them ticking with the same rules (static/js/tandem.js); this renders the
first text on the server, so the page reads right before any script runs.
"""

import math
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def span_text(minutes: int) -> str:
    """A whole number of minutes as the largest readable unit: 4 min, 2 hr 5 min, 3 days."""
    minutes = max(minutes, 1)
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        text = _("%(n)d hr") % {"n": hours}
        return f"{text} {_('%(n)d min') % {'n': rest}}" if rest else text
    days = minutes // (24 * 60)
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def time_left_text(deadline: datetime, now: datetime) -> str:
    seconds = (deadline - now).total_seconds()
    if seconds >= 0:
        # Round the time left up: "1 min left" while any of that minute remains.
        return _("%(time)s left") % {"time": span_text(math.ceil(seconds / 60))}
    return _("overdue %(time)s") % {"time": span_text(math.floor(-seconds / 60))}
