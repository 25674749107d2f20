"""CSV cells that a spreadsheet would run as formulas are escaped; our numbers are not."""

import csv
import io
from decimal import Decimal

import pytest

from kpi.exports import csv_lines, safe_cell
from kpi.templatetags.kpi_format import duration, money, percent


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+7 926 000", "'+7 926 000"),
        ("-lead", "'-lead"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Plain = fine", "Plain = fine"),
        ("", ""),
        (None, ""),
        (True, "yes"),
        (-5, -5),
        (-0.25, -0.25),
        (Decimal("-10.50"), Decimal("-10.50")),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_csv_lines_escape_header_and_rows():
    text = "".join(csv_lines(["=name", "n"], [["=cmd|' /C calc'!A0", -1], ["ok", 2]]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["'=name", "n"], ["'=cmd|' /C calc'!A0", "-1"], ["ok", "2"]]


def test_rates_durations_and_the_decimal_mark():
    from kpi.exports import Duration, Percent

    assert safe_cell(Percent(0.037037037037037035)) == "3.7%"
    assert safe_cell(Percent(0.037037037037037035), ",") == "3,7%"
    assert safe_cell(Percent(None)) == ""
    assert safe_cell(Percent(-0.3995), ",") == "-40,0%"  # a number of ours: not escaped
    assert safe_cell(Duration(450.0)) == "7 min 30 s"
    assert safe_cell(Decimal("650.50"), ",") == "650,50"
    assert safe_cell(0.1 + 0.2) == 0.3
    text = "".join(csv_lines(["a", "b"], [[Decimal("1.5"), "=x"]], delimiter=";", mark=","))
    assert text[1:].splitlines() == ["a;b", "1,5;'=x"]


def test_display_formats():
    assert (percent(None), percent(0.5), percent(2 / 3, 0)) == ("—", "50.0%", "67%")
    assert [duration(s) for s in (None, 59.6, 90, 7260, 100000)] == [
        "—",
        "1 min 0 s",
        "1 min 30 s",
        "2 h 1 min",
        "1 d 3 h",
    ]
    assert (money(None), money("1234.5")) == ("—", "1,234.50\xa0RUB")
