"""Optional error reporting to Sentry (``SENTRY_DSN``; off when empty).

No personal data leaves: ``send_default_pii`` is off (no cookies, user e-mail, IP, request
bodies) and ``scrub`` removes what could still carry a lead's or a user's contact details:
values under personal keys (name, e-mail, phone, ...), e-mail addresses and phone numbers
inside any string (exception messages, log lines, local variables).
"""

import re
from typing import Any

PERSONAL_KEYS = re.compile(
    r"(^|_)(e-?mail|phone|name|first_name|last_name|full_name|username|company|address|"
    r"need|note|body|password|secret|token|authorization|cookie|session|api_key)($|_)",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Ten or more digits, maybe spaced or dashed (dates and versions have fewer).
PHONE = re.compile(r"(?<![\w.:-])\+?\d(?:[\s()-]*\d){9,14}(?![\w.:-])")
# Sections written by the SDK itself (its name, the runtime, installed packages).
_SDK_SECTIONS = frozenset({"sdk", "contexts", "modules", "platform", "event_id", "timestamp"})
FILTERED = "[Filtered]"


def _scrub_text(text: str) -> str:
    return PHONE.sub(FILTERED, EMAIL.sub(FILTERED, text))


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED
            if isinstance(key, str) and PERSONAL_KEYS.search(key)
            else _scrub(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item, depth + 1) for item in value]
    return value


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's ``before_send``: the event without personal data."""
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
    for key, value in event.items():
        if key not in _SDK_SECTIONS and key != "user":
            event[key] = _scrub(value)
    return event


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub,  # type: ignore[arg-type]
        before_send_transaction=scrub,  # type: ignore[arg-type]
    )
