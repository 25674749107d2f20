"""Lists at 1,000,000 leads / 100,000 deals, and a gunicorn worker's memory (issue 12).

On the funnel data set (``scenario_funnel``: a year of leads, every tenth a deal), each list
a busy team opens all day is requested in this process through Django's test client (the
whole request: middleware, session, the view, the template or serializer), first page and
a deep page (page 5,000 of 50 rows: rows 250,001-250,050) twice: by its number (``?page=``,
the database counts its way there) and by the "next" link of page 4,999 (which carries that
page's end, ``after=``: the same rows, entered there), ``--lists-repeat`` times (default 9);
the table shows the median and the number of queries, which must not grow with the page
number. The lists: the lead list API and page (management: every lead), the queue page (a
salesperson) and the deal board (management: every deal).

Memory: a gunicorn worker (``bench.wsgi``, one sync worker) serves the year's funnel report
through the API, the lead list API first and deep page and a 1,000-item batch; its resident
memory (VmRSS of the worker process) is read after each, and the highest is reported.
"""

import argparse
import html
import json
import os
import re
import statistics
import time
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import CheckFailed, Row, data, scenario_funnel, scenario_intake
from org.models import Role

NAME = "lists"
DATASET = "funnel"
DEEP = 5000
RSS_LIMIT_MIB = 150


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("lists scenario")
    group.add_argument("--lists-repeat", type=int, help="lists: timed runs per page (default 9)")


def run(args: argparse.Namespace) -> list[Row]:
    size = args.leads or 1_000_000
    deals = getattr(args, "funnel_deals", None) or size // 10
    repeat = getattr(args, "lists_repeat", None) or 9
    deep = min(DEEP, max(2, size // 50 // 2))
    scenario_funnel.ensure_dataset(size, deals)
    manager = data.bench_users("bench-lists-manager", 1, role=Role.MANAGEMENT, head=True)[0]
    seller = data.bench_users("bench-lists-seller", 1, role=Role.SALES)[0]
    pages = [
        ("lead list API", manager, "/api/v1/leads/"),
        ("lead list page", manager, "/leads/"),
        ("queue page", seller, "/leads/queue/"),
        ("deal board", manager, "/deals/"),
    ]
    rows: list[Row] = []
    for label, user, path in pages:
        client = Client()
        client.force_login(user)
        first = _measure(client, path, repeat)
        rows.append({"list": label, "page": 1, **first})
        if path in ("/api/v1/leads/", "/leads/"):
            deep_row = _measure(client, f"{path}?page={deep}", repeat)
            rows.append({"list": label, "page": deep, **deep_row})
            linked = _next_link(client, path, deep - 1)
            link_row = _measure(client, linked, repeat)
            rows.append({"list": label, "page": f"{deep:,} by next link", **link_row})
            if _ids(client, linked) != _ids(client, f"{path}?page={deep}"):
                raise CheckFailed(f"{label}: the next link's page {deep} is another page", rows)
            for row in (deep_row, link_row):
                if row["queries"] != first["queries"]:
                    raise CheckFailed(f"{label}: page {deep} sends more queries than page 1", rows)
        print(f"  {label}: {first['median ms']} ms")
    rows.append(_memory(size, deep))
    return rows


def _measure(client: Client, path: str, repeat: int) -> dict[str, Any]:
    response = client.get(path)  # warm: templates compiled, session cached
    if response.status_code != 200:
        raise CheckFailed(f"GET {path} answered {response.status_code}")
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(path)
            timings.append(time.perf_counter() - started)
    return {
        "median ms": round(statistics.median(timings) * 1000, 1),
        "max ms": round(max(timings) * 1000, 1),
        "queries": len(queries.captured_queries),
    }


def _next_link(client: Client, path: str, number: int) -> str:
    """The "next" link of page ``number`` (the API's ``next``, the page's pager)."""
    response = client.get(f"{path}?page={number}")
    if path.startswith("/api/"):
        return str(response.json()["next"]).replace("http://testserver", "")
    found = re.search(r'href="(\?[^"]*after=[^"]*)"', response.content.decode())
    if found is None:
        raise CheckFailed(f"{path}?page={number}: no next link with the page's end")
    return path + html.unescape(found.group(1))


def _ids(client: Client, url: str) -> list[Any]:
    """The rows a list URL answers with, by id."""
    response = client.get(url)
    if url.startswith("/api/"):
        return [row["id"] for row in response.json()["results"]]
    return re.findall(r'href="/leads/(\d+)/"', response.content.decode())


def _memory(size: int, deep: int) -> Row:
    """The highest VmRSS of one gunicorn worker while it serves the heavy reads and a batch."""
    manager = data.bench_users("bench-manager", 1, role=Role.MANAGEMENT)[0]
    password = "bench-" + os.urandom(9).hex()
    manager.set_password(password)
    manager.save(update_fields=["password"])
    scenario_intake._delete_leads_of(manager)
    items, _ = scenario_intake._requests(1000, 0.3, offset=30_000_000)
    batch = b'{"leads": [' + b",".join(items) + b"]}"
    peak = 0.0
    steps: list[str] = []
    try:
        with scenario_intake._server(1) as port:
            token = scenario_intake._token(port, manager.username, password)
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            requests = [
                (
                    "funnel report",
                    "GET",
                    "/api/v1/reports/funnel/?from=2025-01-01&to=2025-12-31&group_by=channel",
                    None,
                ),
                ("lead list", "GET", "/api/v1/leads/", None),
                ("lead list deep", "GET", f"/api/v1/leads/?page={deep}", None),
                ("batch of 1,000", "POST", "/api/v1/leads/batch/", batch),
            ]
            for label, method, path, body in requests:
                status, answer = scenario_intake._request(port, method, path, body, headers)
                if status != 200:
                    raise CheckFailed(f"{label}: {status} {answer[:200]!r}")
                rss = _worker_rss_mib(port)
                peak = max(peak, rss)
                steps.append(f"{label} {rss:.0f}")
            json.loads(answer)
    finally:
        scenario_intake._delete_leads_of(manager)
    return {
        "list": "gunicorn worker RSS MiB (max)",
        "page": f"at {size:,} leads",
        "median ms": round(peak, 1),
        "max ms": f"after each: {', '.join(steps)}",
        "queries": f"limit {RSS_LIMIT_MIB}",
    }


def _worker_rss_mib(port: int) -> float:
    """VmRSS of the gunicorn worker process serving ``port`` (the master's only child)."""
    master = scenario_intake.SERVERS[port]
    with open(f"/proc/{master}/task/{master}/children") as listing:
        children = listing.read().split()
    rss = 0.0
    for pid in children:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = max(rss, int(line.split()[1]) / 1024)
    return rss
