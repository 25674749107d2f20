"""The company calendar: which days are worked.

One calendar for the whole company: the public holidays of ``HOLIDAYS_COUNTRY`` (from the
``holidays`` package, which follows each year's government decrees, moved days off included),
overridden by the company's own days (``CompanyDay``): extra days off, and weekend days that
are worked. A business-hours SLA policy counts time only on its weekdays that this calendar
says are worked (``leads.sla.add_working_time``), so every deadline, the sweep's second level
and the SLA reports built on the deadlines read it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings

from org.models import CompanyDay


@lru_cache(maxsize=64)
def _country_holidays(country: str, year: int, language: str | None) -> dict[date, str]:
    if not country:
        return {}
    found = holidays.country_holidays(country, years=year, language=language)
    return dict(found.items())


def _holiday_language(language: str) -> str | None:
    """The holidays package's name for a Django language, if the country has it."""
    country = settings.HOLIDAYS_COUNTRY
    if not country:
        return None
    supported = holidays.country_holidays(country).supported_languages
    for candidate in (language, f"{language}_US", f"{language}_{language.upper()}"):
        if candidate in supported:
            return candidate
    return None


def public_holidays(year: int, *, language: str | None = None) -> dict[date, str]:
    """The country's public holidays of ``year``: date -> name (in ``language`` when the
    package has the names in it)."""
    lang = _holiday_language(language) if language else None
    return _country_holidays(settings.HOLIDAYS_COUNTRY, year, lang)


@dataclass(frozen=True)
class Calendar:
    """Public holidays plus the company's own days, from some date on."""

    overrides: Mapping[date, str] = field(default_factory=dict)  # date -> CompanyDay.Kind
    country: str = ""

    def is_worked(self, day: date, weekdays: frozenset[int]) -> bool:
        """Whether ``day`` is worked under a policy working on ``weekdays`` (ISO, 1 = Monday)."""
        kind = self.overrides.get(day)
        if kind == CompanyDay.Kind.WORKING_DAY:
            return True
        if kind == CompanyDay.Kind.DAY_OFF:
            return False
        if day in _country_holidays(self.country, day.year, None):
            return False
        return day.isoweekday() in weekdays


def company_calendar(*, since: date) -> Calendar:
    """The calendar from ``since`` on (one query: the company's days are few)."""
    rows = CompanyDay.objects.filter(date__gte=since - timedelta(days=1)).values_list(
        "date", "kind"
    )
    return Calendar(overrides=dict(rows), country=settings.HOLIDAYS_COUNTRY)
