"""Key pages over loopback against gunicorn on the loaded database: latency and throughput.

    .venv/bin/python -m bench.bench_pages [--requests N] [--clients C]

Needs the data `make run` loads (the SQLite database and demo accounts in ``instance/``) and a
stored gap snapshot (``skillsmatch gap-snapshot``: without one the board reads the live report,
which is built per request). Starts
gunicorn with one worker, signs in as each demo account and times the key pages one request at a
time (p50/p95 after warm-up: the first request of a worker builds the pathway index and loads
the model, which is reported separately); then, with two workers, requests/s from C concurrent
clients. The baseline in the same run is the public home page, which reads almost nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.console import say
from skillsmatch.config import PROJECT_ROOT

GOAL_P95_MS = 300.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """A signed-in browser over plain HTTP to 127.0.0.1 (it keeps ``__Host-`` cookies itself)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, text

    def sign_in(self, email: str, password: str) -> None:
        _, page = self.request("GET", "/sign-in")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if not token:
            raise SystemExit("no CSRF token on /sign-in")
        status, _ = self.request(
            "POST", "/sign-in", {"csrf_token": token.group(1), "email": email, "password": password}
        )
        if status != 302:
            raise SystemExit(f"sign-in as {email} failed with {status}")


def demo_accounts(instance: Path) -> dict[str, tuple[str, str]]:
    path = instance / "demo-accounts.txt"
    if not path.exists():
        raise SystemExit(f"no {path}: run `make run` (or `skillsmatch load-all`) first")
    accounts = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            accounts[parts[0]] = (parts[1], parts[2])
    return accounts


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OPENBLAS_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "skillsmatch:create_app()",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def first_link(client: Client, page: str, pattern: str) -> str | None:
    _, html = client.request("GET", page)
    match = re.search(pattern, html)
    return match.group(0) if match else None


def key_pages(port: int, accounts: dict[str, tuple[str, str]]) -> list[tuple[str, Client, str]]:
    """(name, signed-in client, path) for each page measured."""
    anonymous = Client(port)
    pages = [("home page (baseline)", anonymous, "/")]
    clients = {}
    for role in ("learner", "employer", "board"):
        clients[role] = Client(port)
        clients[role].sign_in(*accounts[role])
    pages.append(("learner pathways", clients["learner"], "/learner/pathways"))
    supply = first_link(clients["employer"], "/employer", r"/employer/needs/[0-9a-f-]{36}")
    if supply:
        pages.append(("employer need and supply", clients["employer"], supply))
    pages.append(("board dashboard", clients["board"], "/board"))
    return pages


def timed(client: Client, path: str) -> float:
    start = time.perf_counter()
    status, _ = client.request("GET", path)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        raise SystemExit(f"GET {path} returned {status}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    accounts = demo_accounts(PROJECT_ROOT / "instance")

    port = _free_port()
    server = start_gunicorn(port, workers=1)
    try:
        pages = key_pages(port, accounts)
        say(f"one gunicorn worker, {args.requests} requests per page after warm-up")
        heading = f"{'page':28} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}"
        say(f"{heading}  goal p95 < {GOAL_P95_MS:.0f}")
        for name, client, path in pages:
            first = timed(client, path)
            times = sorted(timed(client, path) for _ in range(args.requests))
            p95 = times[int(0.95 * (len(times) - 1))]
            verdict = "ok" if p95 < GOAL_P95_MS else "over"
            say(f"{name:28} {first:9.0f} {statistics.median(times):8.1f} {p95:8.1f}  {verdict}")
    finally:
        server.terminate()
        server.wait()

    port = _free_port()
    server = start_gunicorn(port, workers=2)
    try:
        pages = key_pages(port, accounts)
        # Warm both workers: concurrent requests, so that while one worker builds its index on
        # its first request the others reach the second worker (sequential ones may all land on
        # the first).
        for _, client, path in pages:
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(timed, [client] * 4 * args.clients, [path] * 4 * args.clients))
        say(f"two gunicorn workers, {args.clients} concurrent clients")
        for name, client, path in pages:
            n = args.requests
            start = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(timed, [client] * n, [path] * n))
            say(f"{name:28} {n / (time.perf_counter() - start):8.1f} requests/s")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
