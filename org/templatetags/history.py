"""``{{ row.history_change_reason|history_reason }}``: a stored audit note in the reader's
language (org/history.py); for pages whose rows were not prepared by ``with_reason_text``."""

from django import template

from org.history import reason_text

register = template.Library()


@register.filter
def history_reason(reason: str | None) -> str:
    return reason_text(reason)
