from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from org.models import Role

# (url name, label, roles that see it). Order is the order in the top bar.
NAVIGATION: list[tuple[str, Any, tuple[str, ...]]] = [
    ("leads:queue", _("Queue"), (Role.SALES, Role.MANAGEMENT)),
    ("leads:list", _("Leads"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("leads:import", _("Import"), (Role.MARKETING, Role.MANAGEMENT)),
    ("leads:definition", _("Lead definition"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("kpi:funnel", _("Reports"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("kpi:my_campaigns", _("My campaigns"), (Role.MARKETING, Role.MANAGEMENT)),
    ("kpi:bonus", _("Bonus"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("deals:board", _("Deals"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("org:matrix", _("Matrix"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("feedback:inbox", _("Feedback"), (Role.MARKETING, Role.SALES, Role.MANAGEMENT)),
    ("ops:status", _("Status"), (Role.MANAGEMENT,)),
    ("org:calendar", _("Calendar"), (Role.MANAGEMENT,)),
    ("org:api_keys", _("API keys"), (Role.MANAGEMENT,)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from org.selectors import unread_notification_count

    role = user.effective_role
    items = [
        {"url": reverse(name), "label": label, "active": False}
        for name, label, roles in NAVIGATION
        if role in roles
    ]
    # Only the most specific matching entry is active (/leads/queue/ is not also /leads/).
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {
        "nav_items": items,
        "nav_role": role,
        # The badge shows the department's name in the reader's language, not its code.
        "nav_role_label": Role(role).label if role in Role.values else "",
        "nav_unread": unread_notification_count(user=user),
    }
