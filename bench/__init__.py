"""Tandem benchmarks: ``make bench`` (``python -m bench [scenario ...] [options]``).

A scenario is a module ``bench/scenario_<name>.py`` exposing::

    NAME: str                                   # what the command line calls it
    def run(args) -> list[dict[str, object]]    # args: the parsed argparse.Namespace

and, optionally, ``def add_arguments(parser: argparse.ArgumentParser) -> None`` for options of
its own (the shared ones are in ``bench.harness.build_parser``). Each returned dict is one row
of the scenario's table; the columns are the union of the rows' keys. A value containing a
newline (an EXPLAIN plan, say) is printed below the table as a block instead of in a cell.

A scenario that finds the system misbehaving (a lead claimed twice, a duplicate open lead)
raises ``CheckFailed``: the harness reports it with the rows measured so far and exits 1.
Timing is reported, never asserted.
"""

Row = dict[str, object]


class CheckFailed(Exception):
    """A correctness check inside a scenario failed; ``rows`` are the measurements so far."""

    def __init__(self, message: str, rows: list[Row] | None = None) -> None:
        super().__init__(message)
        self.rows = rows or []
