"""The benchmark runner: finds scenarios, prepares the database, prints and records results.

The database is DATABASE_URL, which must be PostgreSQL. Benchmarks rewrite whole tables, so
the harness only works on a database it created or marked as its own (a comment on the
database); a database with tables it does not know is refused unless you say
``--use-existing-database``. A missing database is created.
"""

import argparse
import importlib
import os
import pkgutil
import platform
import shlex
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bench import CheckFailed, Row

PACKAGE_DIR = Path(__file__).resolve().parent
RESULTS_DIR = PACKAGE_DIR / "results"
PREFIX = "scenario_"
MARKER = "tandem-bench: benchmark data, rewritten by make bench"


# --- Scenarios and options ----------------------------------------------------------------------


def discover() -> dict[str, ModuleType]:
    """Every ``bench/scenario_<name>.py`` by its NAME (needs Django set up).

    Order: scenarios sharing a data set (module attribute ``DATASET``, default their own
    name) run back to back, so a full run seeds each data set once. A module that fails to
    import fails as its own scenario instead of stopping every other one.
    """
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules([str(PACKAGE_DIR)]):
        if not info.name.startswith(PREFIX):
            continue
        try:
            module = importlib.import_module(f"bench.{info.name}")
        except Exception as exc:
            module = _broken(info.name, exc)
        name = getattr(module, "NAME", None)
        if not isinstance(name, str) or not callable(getattr(module, "run", None)):
            raise SystemExit(f"bench/{info.name}.py must define NAME: str and run(args)")
        if name in found:
            raise SystemExit(f"two scenarios are called {name!r}")
        found[name] = module
    order = sorted(found, key=lambda name: (getattr(found[name], "DATASET", name), name))
    return {name: found[name] for name in order}


def _broken(module_name: str, exc: Exception) -> ModuleType:
    """A stand-in for a scenario module that does not import: running it reports why."""
    stand_in = ModuleType(f"bench.{module_name}", f"(does not import: {exc})")
    message = f"bench/{module_name}.py does not import: {type(exc).__name__}: {exc}"

    def run(args: argparse.Namespace) -> list[Row]:
        raise RuntimeError(message)

    stand_in.NAME = module_name.removeprefix(PREFIX)  # type: ignore[attr-defined]
    stand_in.run = run  # type: ignore[attr-defined]
    return stand_in


def build_parser(scenarios: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Tandem benchmarks on the PostgreSQL database named by DATABASE_URL. "
        "Each option applies to every chosen scenario that reads it; unset options take the "
        "scenario's own default.",
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"scenarios to run (default: all): {', '.join(scenarios) or 'none found'}",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--use-existing-database",
        action="store_true",
        help="adopt a DATABASE_URL database that already has tables (its leads are rewritten)",
    )
    parser.add_argument(
        "--no-record", action="store_true", help="do not write bench/results/<time>.md"
    )
    shared = parser.add_argument_group("scenario options")
    shared.add_argument("--leads", type=int, help="queued leads to seed (claim, sweep: 1,000,000)")
    shared.add_argument(
        "--threads",
        type=int,
        help="concurrent workers (claim: 16 claimers; intake: 8 senders)",
    )
    shared.add_argument("--seconds", type=float, help="claim: seconds per variant (default 15)")
    shared.add_argument(
        "--claims", type=int, help="claim: stop each variant after this many claims instead"
    )
    shared.add_argument(
        "--breaching", type=int, help="sweep: leads past their deadline (default 10,000)"
    )
    shared.add_argument("--requests", type=int, help="intake: API requests (default 10,000)")
    shared.add_argument(
        "--duplicates",
        type=float,
        help="intake: share of requests repeating an earlier contact (default 0.3)",
    )
    shared.add_argument(
        "--workers", type=int, help="intake: gunicorn worker processes (default 2 x cores + 1)"
    )
    for module in scenarios.values():
        add_arguments = getattr(module, "add_arguments", None)
        if callable(add_arguments):
            add_arguments(parser)
    return parser


def parse_args(argv: Sequence[str], scenarios: dict[str, ModuleType]) -> argparse.Namespace:
    parser = build_parser(scenarios)
    args = parser.parse_intermixed_args(list(argv))
    unknown = [name for name in args.scenarios if name not in scenarios]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(scenarios)}")
    for option in ("leads", "threads", "claims", "breaching", "requests", "workers"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option} must be at least 1")
    if args.seconds is not None and args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.duplicates is not None and not 0 <= args.duplicates < 1:
        parser.error("--duplicates must be in [0, 1)")
    return args


# --- Running -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""


def run_scenario(name: str, module: ModuleType, args: argparse.Namespace) -> Outcome:
    """One scenario, timed; a failed check or a crash becomes the outcome's error."""
    from django.db import connections

    print(f"\n== {name}", flush=True)
    started = time.perf_counter()
    outcome = Outcome(name)
    try:
        outcome.rows = list(module.run(args))
    except CheckFailed as exc:
        outcome.rows, outcome.error = exc.rows, f"check failed: {exc}"
    except Exception as exc:
        traceback.print_exc()
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        connections.close_all()
    outcome.seconds = time.perf_counter() - started
    return outcome


# --- Output ------------------------------------------------------------------------------------


def fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.2g}"
    return "" if value is None else str(value)


def split_rows(rows: list[Row]) -> tuple[list[str], list[list[str]], list[tuple[str, str]]]:
    """Columns, formatted cells, and the multi-line values to print below the table."""
    columns: list[str] = []
    blocks: list[tuple[str, str]] = []
    for row in rows:
        for key in row:
            if key not in columns and not _is_block(row[key]):
                columns.append(key)
    cells = []
    for row in rows:
        cells.append([fmt(row.get(column)) for column in columns])
        blocks += [(key, str(value)) for key, value in row.items() if _is_block(value)]
    return columns, cells, blocks


def _is_block(value: object) -> bool:
    return isinstance(value, str) and "\n" in value


def text_table(rows: list[Row]) -> str:
    columns, cells, blocks = split_rows(rows)
    if not columns:
        return "(no rows)"
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(_numeric(r[i]) for r in cells) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    for key, text in blocks:
        out += ["", f"{key}:", *("    " + ln for ln in text.splitlines())]
    return "\n".join(out)


def _numeric(cell: str) -> bool:
    return (
        cell == ""
        or cell.replace(",", "").replace(".", "").replace("-", "").replace("x", "").isdigit()
    )


def markdown_table(rows: list[Row]) -> str:
    columns, cells, blocks = split_rows(rows)
    if not columns:
        return "(no rows)"
    numeric = [all(_numeric(r[i]) for r in cells) for i in range(len(columns))]
    out = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---:" if num else "---" for num in numeric) + "|",
        *("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells),
    ]
    for key, text in blocks:
        out += ["", f"{key}:", "", "```", text.rstrip(), "```"]
    return "\n".join(out)


def machine() -> list[tuple[str, str]]:
    """What the numbers were measured on."""
    import django
    import psycopg
    from django.conf import settings
    from django.db import connection

    cpu = "unknown CPU"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    redis_version = "not configured (REDIS_URL unset)"
    if settings.REDIS_URL:
        try:
            import redis

            info = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).info()
            redis_version = str(info.get("redis_version"))
        except Exception as exc:
            redis_version = f"unreachable ({type(exc).__name__})"
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return [
        ("CPU", f"{os.cpu_count()} cores, {cpu}; load average {load} when recorded"),
        ("RAM", memory),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("PostgreSQL", f"{pg_version} (shared_buffers {shared_buffers}), same machine"),
        ("Redis", redis_version),
        (
            "Python",
            f"{platform.python_version()}, Django {django.get_version()}, "
            f"psycopg {psycopg.__version__}",
        ),
    ]


def command_line(argv: Sequence[str]) -> str:
    return f'make bench BENCH_ARGS="{shlex.join(argv)}"' if argv else "make bench"


def write_markdown(outcomes: list[Outcome], argv: Sequence[str], started: datetime) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{started:%Y%m%d-%H%M%S}.md"
    lines = [
        f"# Benchmark run {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{command_line(argv)}`",
        "",
        *(f"- {key}: {value}" for key, value in machine()),
    ]
    for outcome in outcomes:
        lines += ["", f"## {outcome.name} ({outcome.seconds:.0f} s)", ""]
        if outcome.error:
            lines += [f"**FAILED** — {outcome.error}", ""]
        lines.append(markdown_table(outcome.rows))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- The database ------------------------------------------------------------------------------


def _require_postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return (
            "make bench needs DATABASE_URL pointing at PostgreSQL, for example\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench make bench\n"
            "Use a database of its own: benchmarks rewrite the leads tables "
            "(a missing database is created)."
            + (f"\nDATABASE_URL is {url!r}." if url else "\nDATABASE_URL is not set.")
        )
    return None


def prepare_database(*, adopt: bool) -> str | None:
    """Create the database if missing, refuse one that is not ours, migrate. An error or None."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from psycopg import sql as pgsql

    from bench.data import psycopg_params

    params = psycopg_params()
    name = params["dbname"]
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}")
            admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        marked = cursor.fetchone()[0] == MARKER
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        has_tables = cursor.fetchone()[0] > 0
        if not marked and has_tables and not adopt:
            return (
                f"database {name!r} already has tables and was not made by the bench. "
                "Benchmarks rewrite the leads tables: point DATABASE_URL at a database of "
                "their own (e.g. .../tandem_bench, created when missing), or pass "
                "--use-existing-database if this one may be rewritten."
            )
        if not marked:
            cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(name)} IS %s", [MARKER])
    print(f"migrating {name} ...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    return None


# --- Entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    scenarios = discover()
    args = parse_args(argv, scenarios)
    if args.list:
        for name, module in scenarios.items():
            summary = (module.__doc__ or "").strip().splitlines()
            print(f"{name:12} {summary[0] if summary else ''}")
        return 0
    problem = _require_postgres_url()
    if problem is None:
        problem = prepare_database(adopt=args.use_existing_database)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2

    started = datetime.now(UTC)
    chosen = args.scenarios or list(scenarios)
    outcomes = [run_scenario(name, scenarios[name], args) for name in chosen]

    print()
    for outcome in outcomes:
        status = f"FAILED: {outcome.error}" if outcome.error else "ok"
        print(f"== {outcome.name} ({outcome.seconds:.0f} s) {status}")
        print(text_table(outcome.rows))
        print()
    if not args.no_record:
        path = write_markdown(outcomes, argv, started)
        print(f"results written to {path.relative_to(PACKAGE_DIR.parent)}")
    return 1 if any(o.error for o in outcomes) else 0
