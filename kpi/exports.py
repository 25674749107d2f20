"""CSV export that spreadsheets cannot turn into formulas.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by
Excel, LibreOffice and Google Sheets as a formula (CSV injection, OWASP). Such cells get a
leading apostrophe, which spreadsheets show as text. Numbers we computed ourselves (ints,
floats, Decimals — e.g. a negative ROI) are written as they are. Rows are streamed, so an
export of many leads never holds them all in memory.

The file reads right in the user's spreadsheet: the decimal mark is the one of the user's
language and the separator follows it (Russian Excel: ``;`` and ``,``; English: ``,`` and
``.``); rates are written as percentages (``Percent``) and durations in words
(``Duration``, "7 min 30 s"), never as raw ratios and seconds.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.formats import get_format

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Percent:
    """A ratio (0.037) written as a percentage ("3.7%")."""

    value: float | Decimal | None
    places: int = 1


@dataclass(frozen=True)
class Duration:
    """Seconds written as people read them ("7 min 30 s")."""

    seconds: float | None


def _number(value: float | Decimal | int, mark: str) -> str | int | float | Decimal:
    if isinstance(value, float):
        value = round(value, 4)
    if mark == "." or isinstance(value, int):
        return value
    return str(value).replace(".", mark)


def safe_cell(value: Any, mark: str = ".") -> str | int | float | Decimal:
    """One cell: ``mark`` is the decimal mark of the reader's language."""
    from kpi.templatetags.kpi_format import duration

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Percent):
        if value.value is None:
            return ""
        return f"{float(value.value) * 100:.{value.places}f}".replace(".", mark) + "%"
    if isinstance(value, Duration):
        return "" if value.seconds is None else duration(value.seconds)
    if isinstance(value, int | float | Decimal):
        return _number(value, mark)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands the line back (csv.writer needs a file)."""

    def write(self, value: str) -> str:
        return value


def csv_format() -> tuple[str, str]:
    """(separator, decimal mark) for the active language: a language whose decimal mark is
    a comma gets a semicolon between cells, as its spreadsheets expect."""
    mark = str(get_format("DECIMAL_SEPARATOR"))
    return (";" if mark == "," else ","), mark


def csv_lines(
    header: Iterable[Any],
    rows: Iterable[Iterable[Any]],
    *,
    delimiter: str = ",",
    mark: str = ".",
) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff"  # a byte-order mark, so Excel reads the UTF-8 (Cyrillic names) correctly
    yield writer.writerow([safe_cell(v, mark) for v in header])
    for row in rows:
        yield writer.writerow([safe_cell(v, mark) for v in row])


def _in_language(language: str, lines: Iterator[str]) -> Iterator[str]:
    """Stream in the request's language: rows are made while the response is sent."""
    with translation.override(language):
        yield from lines


def csv_response(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    delimiter, mark = csv_format()
    lines = csv_lines(header, rows, delimiter=delimiter, mark=mark)
    response = StreamingHttpResponse(
        _in_language(translation.get_language() or "en", lines),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
