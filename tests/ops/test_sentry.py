"""Sentry is optional and never receives personal data."""

import pytest

from ops.sentry import FILTERED, scrub


def test_personal_data_is_scrubbed_from_events():
    event = {
        "event_id": "abc",
        "sdk": {"name": "sentry.python.django", "version": "2.0"},
        "user": {"id": 7, "email": "boss@example.com", "ip_address": "10.0.0.1"},
        "request": {
            "url": "https://crm.example.com/api/v1/leads/",
            "method": "POST",
            "data": {"name": "Ivan Petrov", "email": "ivan@example.com"},
            "cookies": {"sessionid": "s"},
            "headers": {"Authorization": "Token abc", "User-Agent": "curl"},
        },
        "exception": {
            "values": [
                {
                    "type": "ValidationError",
                    "value": "duplicate ivan@example.com / +7 916 123-45-67 on 2026-03-10",
                    "stacktrace": {
                        "frames": [
                            {"function": "lead_intake", "vars": {"phone": "+79161234567", "n": 3}}
                        ]
                    },
                }
            ]
        },
        "extra": {"lead_name": "Ivan Petrov", "count": 2},
    }
    cleaned = scrub(event, {})
    assert cleaned["user"] == {"id": 7}
    assert "data" not in cleaned["request"] and "cookies" not in cleaned["request"]
    assert cleaned["request"]["headers"]["Authorization"] == FILTERED
    assert cleaned["request"]["headers"]["User-Agent"] == "curl"
    value = cleaned["exception"]["values"][0]["value"]
    assert "ivan@example.com" not in value and "916" not in value
    assert "2026-03-10" in value  # dates are not phone numbers
    frame = cleaned["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["vars"] == {"phone": FILTERED, "n": 3}
    assert cleaned["extra"] == {"lead_name": FILTERED, "count": 2}
    assert cleaned["sdk"]["name"] == "sentry.python.django"


def test_sentry_is_off_without_a_dsn(settings):
    import sentry_sdk

    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.filterwarnings("ignore:The send_default_pii option is deprecated")
def test_sentry_starts_with_a_dsn_and_no_pii(monkeypatch):
    import sentry_sdk

    from ops.sentry import init_sentry

    try:
        init_sentry(
            dsn="https://public@sentry.invalid/1",
            environment="test",
            release="",
            traces_sample_rate=0.0,
        )
        options = sentry_sdk.get_client().options
        assert options["send_default_pii"] is False
        assert options["before_send"] is scrub
    finally:
        sentry_sdk.init(dsn=None)
