"""Lead intake through the HTTP API: 10,000 requests, 30% duplicates, 8 senders (issue 3);
the same requests against the framework floor; 50,000 leads in batches of 1,000 (issue 12).

A real gunicorn server (``bench.wsgi``: the project plus the floor endpoint of
``bench.urls``, the bench settings, this run's database) is started
on a free 127.0.0.1 port; a management user gets a token through ``POST /api/v1/auth/token/``
and concurrent senders ``POST /api/v1/leads/``. A duplicate repeats an earlier contact written
differently (upper-case e-mail, a national-format phone) and may arrive before, after or
together with the first request: whichever comes first creates the lead.

Checked: exactly one lead per contact (201 for it, 200 for every repeat), every repeat
recorded on the lead, and no e-mail or phone with more than one open lead anywhere in the
database. The server is stopped at the end, whatever happens.

The floor is ``POST /bench/floor/`` in the same server: token authentication, JSON parsing
and one INSERT, nothing else; the ratio row divides the single intake's p50 by the floor's.
The batch variant sends its own contacts (30% repeats, shuffled, so repeats fall in the same
batch and in others) from 2 senders and is checked the same way, per item.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings

from bench import CheckFailed, Row, data
from bench.urls import FLOOR_SUBJECT
from org.models import Role, User

NAME = "intake"

HOST = "127.0.0.1"
DOMAIN = "intake.bench.example"
PROJECT_DIR = Path(__file__).resolve().parent.parent
READY_SECONDS = 30.0
REQUEST_TIMEOUT = 30.0
OPEN = ("new", "assigned", "contacted", "qualified")
SERVERS: dict[int, int] = {}  # port -> pid of the gunicorn master serving it


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("intake scenario")
    group.add_argument(
        "--batch-leads",
        type=int,
        help="intake: leads sent through POST /api/v1/leads/batch/ in batches of 1,000 "
        "(default 50,000; 0 skips the batch variant)",
    )


def run(args: argparse.Namespace) -> list[Row]:
    total = args.requests or 10_000
    share = 0.3 if args.duplicates is None else args.duplicates
    senders = args.threads or 8
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    batch_leads = getattr(args, "batch_leads", None)
    batch_leads = 50_000 if batch_leads is None else batch_leads
    bodies, contacts = _requests(total, share)
    repeats = total - contacts
    print(f"  {total:,} requests ({repeats:,} repeats), {senders} senders, {workers} workers")

    data.bench_channel()
    manager = data.bench_users("bench-manager", 1, role=Role.MANAGEMENT)[0]
    password = secrets.token_urlsafe(24)
    manager.set_password(password)
    manager.save(update_fields=["password"])
    _delete_leads_of(manager)
    rows: list[Row] = []
    problems: list[str] = []
    try:
        with _server(workers) as port:
            token = _token(port, manager.username, password)
            _warm_up(port, token, workers)
            statuses, latencies, seconds = _send(port, token, bodies, senders)
            counts = _counts(manager)
            _delete_leads_of(manager)
            single = _single_row(statuses, latencies, seconds, senders, workers, counts)
            rows.append(single)
            problems += _single_problems(statuses, total, contacts, repeats, counts)
            print(f"  single: {single['requests/s']:,} requests/s")

            statuses, latencies, seconds = _send(port, token, bodies, senders, path=FLOOR_PATH)
            rows.append(
                {
                    "variant": "framework floor: bare DRF endpoint, one INSERT",
                    **_timing(statuses, latencies, seconds, senders, workers),
                }
            )
            _delete_floor_rows(manager)
            if statuses.get(201, 0) != total:
                problems.append(f"floor endpoint: {dict(statuses)}")
            rows.append(
                {
                    "variant": "single / floor (server time per request)",
                    "p50 ms": round(single["p50 ms"] / rows[-1]["p50 ms"], 2),
                    "requests/s": round(rows[-1]["requests/s"] / single["requests/s"], 2),
                }
            )
            print(f"  floor: {rows[-2]['requests/s']:,} requests/s")

            if batch_leads:
                batch_row, batch_problems = _batch(port, token, batch_leads, share, manager)
                rows.append(batch_row)
                problems += batch_problems
                print(f"  batch: {batch_row['leads/s']:,} leads/s")
    finally:
        _delete_leads_of(manager)
        _delete_floor_rows(manager)
    if problems:
        raise CheckFailed("; ".join(problems), rows)
    return rows


FLOOR_PATH = "/bench/floor/"
BATCH_PATH = "/api/v1/leads/batch/"
BATCH_SIZE = 1000


def _timing(
    statuses: Counter[int], latencies: list[float], seconds: float, senders: int, workers: int
) -> Row:
    total = sum(statuses.values())
    return {
        "senders": senders,
        "server workers": workers,
        "requests": total,
        "seconds": round(seconds, 2),
        "requests/s": round(total / seconds, 1),
        "p50 ms": round(data.percentile(latencies, 50) * 1000, 1),
        "p95 ms": round(data.percentile(latencies, 95) * 1000, 1),
        "p99 ms": round(data.percentile(latencies, 99) * 1000, 1),
    }


def _single_row(
    statuses: Counter[int],
    latencies: list[float],
    seconds: float,
    senders: int,
    workers: int,
    counts: tuple[int, int, int, int],
) -> Row:
    created, repeated = statuses.get(201, 0), statuses.get(200, 0)
    return {
        "variant": "POST /api/v1/leads/ (one lead per request)",
        **_timing(statuses, latencies, seconds, senders, workers),
        "created (201)": created,
        "duplicates (200)": repeated,
        "errors": sum(statuses.values()) - created - repeated,
        "leads in db": counts[0],
        "duplicate open leads in db": counts[3],
    }


def _single_problems(
    statuses: Counter[int],
    total: int,
    contacts: int,
    repeats: int,
    counts: tuple[int, int, int, int],
) -> list[str]:
    created, repeated = statuses.get(201, 0), statuses.get(200, 0)
    errors = total - created - repeated
    leads, repeats_on_leads, requests_logged, doubled = counts
    problems = []
    if errors:
        problems.append(f"{errors} requests failed: {dict(statuses)}")
    if (created, repeated) != (contacts, repeats):
        problems.append(f"expected {contacts} created and {repeats} duplicates")
    if (leads, repeats_on_leads, requests_logged) != (contacts, repeats, total):
        problems.append(
            f"database holds {leads} leads, {repeats_on_leads} recorded repeats and "
            f"{requests_logged} logged requests; expected {contacts}, {repeats}, {total}"
        )
    if doubled:
        problems.append(f"{doubled} e-mails/phones have more than one open lead")
    return problems


def _batch(port: int, token: str, total: int, share: float, manager: User) -> tuple[Row, list[str]]:
    """``total`` leads (``share`` of them repeats, shuffled) in batches of 1,000 from 2
    senders: leads per second through the server, and the same checks as the single path."""
    items, contacts = _requests(total, share, offset=10_000_000)
    repeats = total - contacts
    batches = [
        b'{"leads": [' + b",".join(items[i : i + BATCH_SIZE]) + b"]}"
        for i in range(0, len(items), BATCH_SIZE)
    ]
    tickets = itertools.count()
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    senders = 2

    def sender(_: int) -> tuple[Counter[str], list[float]]:
        outcome: Counter[str] = Counter()
        latencies: list[float] = []
        while (i := next(tickets)) < len(batches):
            started = time.perf_counter()
            status, body = _request(port, "POST", BATCH_PATH, batches[i], headers)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                outcome[f"http {status}"] += 1
                continue
            outcome.update(r["status"] for r in json.loads(body)["results"])
        return outcome, latencies

    results, seconds = data.run_threads(senders, sender)
    outcome: Counter[str] = Counter()
    latencies: list[float] = []
    for got, lat in results:
        outcome.update(got)
        latencies += lat
    leads, repeats_on_leads, requests_logged, doubled = _counts(manager)
    _delete_leads_of(manager)
    row: Row = {
        "variant": f"POST {BATCH_PATH} ({BATCH_SIZE:,} per batch)",
        "senders": senders,
        "requests": len(batches),
        "seconds": round(seconds, 2),
        "leads/s": round(total / seconds, 1),
        "p50 ms": round(data.percentile(latencies, 50) * 1000, 1),
        "p95 ms": round(data.percentile(latencies, 95) * 1000, 1),
        "created (201)": outcome.get("created", 0),
        "duplicates (200)": outcome.get("duplicate", 0),
        "errors": total - outcome.get("created", 0) - outcome.get("duplicate", 0),
        "leads in db": leads,
        "duplicate open leads in db": doubled,
    }
    problems = []
    if (outcome.get("created", 0), outcome.get("duplicate", 0)) != (contacts, repeats):
        problems.append(f"batch: expected {contacts} created and {repeats} duplicates: {outcome}")
    if (leads, repeats_on_leads, requests_logged, doubled) != (contacts, repeats, total, 0):
        problems.append(
            f"batch: database holds {leads} leads, {repeats_on_leads} repeats, "
            f"{requests_logged} requests, {doubled} doubled contacts"
        )
    return row, problems


# --- The requests ------------------------------------------------------------------------------


def _requests(total: int, share: float, offset: int = 0) -> tuple[list[bytes], int]:
    """Request bodies in arrival order, and how many distinct contacts they carry. Contacts
    are numbered from ``offset`` (the batch variant's never meet the single variant's)."""
    rng = random.Random(20241122)  # the same requests every run
    contacts = max(1, total - round(total * share))
    bodies = [_body(offset + i, repeat=False, rng=rng) for i in range(contacts)]
    bodies += [
        _body(offset + rng.randrange(contacts), repeat=True, rng=rng)
        for _ in range(total - contacts)
    ]
    rng.shuffle(bodies)
    return bodies, contacts


def _body(i: int, *, repeat: bool, rng: random.Random) -> bytes:
    """Contact ``i``: every fifth has only an e-mail, every fifth after it only a phone. A
    repeat carries the same contacts, written the way people retype them."""
    kind = i % 5
    email = f"lead{i}@{DOMAIN}" if kind != 1 else ""
    digits = f"{i:08d}"
    phone = f"+791{digits}" if kind != 0 else ""
    if repeat:
        email = f"  {email.upper()} " if email else ""
        phone = f"8 (91{digits[0]}) {digits[1:4]}-{digits[4:6]}-{digits[6:]}" if phone else ""
    body: dict[str, str] = {
        "name": f"{'Repeat' if repeat else 'Lead'} {i}",
        "company": f"Company {i % 997}",
        "need": "Wants a demo" if rng.random() < 0.5 else "",
        "segment": ("smb", "mid", "enterprise")[i % 3],
        "channel": "bench",
        "utm_source": "bench",
        "utm_medium": "cpc" if i % 2 else "email",
        "utm_campaign": f"wave-{i % 7}",
    }
    if email:
        body["email"] = email
    if phone:
        body["phone"] = phone
    return json.dumps(body).encode()


def _send(
    port: int, token: str, bodies: list[bytes], senders: int, path: str = "/api/v1/leads/"
) -> tuple[Counter[int], list[float], float]:
    """POST every body from ``senders`` threads; status counts, latencies, wall seconds."""
    tickets = itertools.count()
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}

    def sender(_: int) -> tuple[Counter[int], list[float]]:
        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        while (i := next(tickets)) < len(bodies):
            started = time.perf_counter()
            status, _body = _request(port, "POST", path, bodies[i], headers)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
        return statuses, latencies

    results, seconds = data.run_threads(senders, sender)
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    for got, lat in results:
        statuses.update(got)
        latencies += lat
    return statuses, latencies, seconds


# --- The server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(workers: int) -> Iterator[int]:
    """gunicorn on a free loopback port with this process's settings and database (so the
    password just set verifies there too); stopped on exit."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "DATABASE_URL": data.database_url(),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "bench.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=60",
        "--graceful-timeout=10",
        "--log-level=warning",
    ]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        SERVERS[port] = server.pid
        try:
            _wait_ready(server, port, log)
            yield port
        finally:
            SERVERS.pop(port, None)
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _wait_ready(server: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    until = time.monotonic() + READY_SECONDS
    while time.monotonic() < until:
        if server.poll() is not None:
            break
        try:
            _request(port, "GET", "/api/v1/users/me/", None, {}, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    tail = log.read().decode(errors="replace")[-3000:]
    raise RuntimeError(
        f"gunicorn did not answer on {HOST}:{port} within {READY_SECONDS:.0f} s\n{tail}"
    )


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _token(port: int, username: str, password: str) -> str:
    status, body = _request(
        port,
        "POST",
        "/api/v1/auth/token/",
        json.dumps({"username": username, "password": password}).encode(),
        {"Content-Type": "application/json"},
    )
    if status != 200:
        raise RuntimeError(f"token request answered {status}: {body[:300]!r}")
    return str(json.loads(body)["token"])


def _warm_up(port: int, token: str, workers: int) -> None:
    """A few authenticated reads so every worker has imported and connected before timing."""
    for _ in range(workers * 3):
        _request(port, "GET", "/api/v1/users/me/", None, {"Authorization": f"Token {token}"})


# --- The database ------------------------------------------------------------------------------


def _counts(manager: User) -> tuple[int, int, int, int]:
    """This run's leads, the repeats recorded on them, their logged requests, and the
    e-mails/phones holding more than one open lead anywhere."""
    leads, repeats, requests = data.sql(
        """
        SELECT count(*), coalesce(sum(duplicate_requests), 0),
               (SELECT count(*) FROM leads_leadrequest r JOIN leads_lead l ON l.id = r.lead_id
                 WHERE l.created_by_id = %(user)s)
        FROM leads_lead WHERE created_by_id = %(user)s
        """,
        {"user": manager.pk},
    )[0]
    doubled = sum(
        data.scalar(
            f"SELECT count(*) FROM (SELECT {column} FROM leads_lead "
            f"WHERE status = ANY(%(open)s) AND {column} <> '' "
            f"GROUP BY {column} HAVING count(*) > 1) AS doubled",
            {"open": list(OPEN)},
        )
        for column in ("email", "phone")
    )
    return int(leads), int(repeats), int(requests), int(doubled)


def _delete_floor_rows(manager: User) -> None:
    data.sql(
        "DELETE FROM org_notification WHERE recipient_id = %s AND subject = %s",
        [manager.pk, FLOOR_SUBJECT],
    )


def _delete_leads_of(manager: User) -> None:
    """Remove the leads an earlier intake run created (in SQL: no per-row history)."""
    mine = "SELECT id FROM leads_lead WHERE created_by_id = %(user)s"
    for statement in (
        f"DELETE FROM leads_leadrequest WHERE lead_id IN ({mine})",
        f"DELETE FROM leads_historicallead WHERE id IN ({mine})",
        "DELETE FROM leads_lead WHERE created_by_id = %(user)s",
    ):
        data.sql(statement, {"user": manager.pk})
