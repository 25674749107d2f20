"""SLA timers read as words, never as a negative clock (issue 13, item 2)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from org.timefmt import time_left_text

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=4), "4 min left"),
        (timedelta(minutes=3, seconds=10), "4 min left"),
        (timedelta(seconds=20), "1 min left"),
        (timedelta(hours=2, minutes=5), "2 hr 5 min left"),
        (-timedelta(minutes=12, seconds=30), "overdue 12 min"),
        (-timedelta(seconds=5), "overdue 1 min"),
        (-timedelta(hours=3), "overdue 3 hr"),
        (-timedelta(days=3, hours=5), "overdue 3 days"),
        (-timedelta(days=66), "overdue 66 days"),
        (-timedelta(days=1, minutes=1), "overdue 1 day"),
    ],
)
def test_time_left_in_words(delta: timedelta, text: str) -> None:
    with translation.override("en"):
        assert time_left_text(NOW + delta, NOW) == text


def test_time_left_in_russian() -> None:
    with translation.override("ru"):
        assert time_left_text(NOW + timedelta(minutes=4), NOW) == "осталось 4 мин"
        assert time_left_text(NOW - timedelta(days=3), NOW) == "просрочено на 3 дня"
        assert time_left_text(NOW - timedelta(days=5), NOW) == "просрочено на 5 дней"


def test_timer_tag_marks_overdue_and_carries_its_phrases() -> None:
    html = Template("{% load sla %}{% sla_timer deadline now %}").render(
        Context({"deadline": NOW - timedelta(minutes=12), "now": NOW})
    )
    assert 'class="countdown overdue"' in html
    assert "overdue 12 min" in html
    assert 'data-over="overdue {t}"' in html
