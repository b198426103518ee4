"""The enterprise home page and its API under load: 50 concurrent clients for 30 s from a second
process on loopback, against `kechuang serve` on the demo population (20,000 enterprises).

    python -m bench.web [--enterprises 20000] [--connections 50] [--seconds 30]

Every client sends the same session, and one request before the load warms the caches: the
figures are of warm answers, which kechuang.screening.page_cache serves from the body rendered for
that session once its validity queries (session, enterprise, snapshot, pack, awards) find nothing
changed. A first view, or one after an import or a publication, costs a full render on top.

Uses wrk (Debian: apt-get install wrk) when it is installed, else a small asyncio load generator
with httpx in a separate process. Reports requests per second, p50/p99 latency and errors, and
appends them to bench/out/results.jsonl with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import Measurement, kechuang, report

TITLE = "web: enterprise home page and API under load"
PASSWORD = "bench-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(var: Path, enterprises: int) -> tuple[str, dict[str, str]]:
    """Generate and import the demo population, create an eligible enterprise's account."""
    env = {**os.environ, "KECHUANG_VAR_DIR": str(var)}
    panel = var / "demo-panel.parquet"
    steps = [
        kechuang("db", "upgrade"),
        kechuang(
            "generate",
            "--enterprises",
            str(enterprises),
            "--years",
            "2022-2024",
            "--seed",
            "2024",
            "--out",
            str(panel),
        ),
        kechuang("import", str(panel)),
        kechuang("accounts", "bootstrap-admin", "bench-admin", "--password", PASSWORD),
    ]
    for argv in steps:
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    code = (
        "from kechuang.accounts.demo import eligible_enterprise;"
        "from kechuang.store.engine import make_engine;"
        "print(eligible_enterprise(make_engine())[0])"
    )
    uscc = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(
        kechuang(
            "accounts",
            "create",
            "--username",
            "bench-ent",
            "--by",
            "bench-admin",
            "--role",
            "enterprise",
            "--uscc",
            uscc,
            "--password",
            PASSWORD,
        ),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return uscc, env


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    argv = kechuang(
        "serve", "--port", str(port), "--workers", str(workers), "--quiet", "--notices-every", "0"
    )
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Generous: on a loaded machine the first import of the app alone can take many seconds.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/status", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def _wrk(url: str, token: str, connections: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Cookie: kc_session={token}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(bad.group(1)) if bad else 0) + (
        sum(int(g) for g in errors.groups()) if errors else 0
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "requests": requests,
        "errors": failed,
    }


async def _asyncio_load(url: str, token: str, connections: int, seconds: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(cookies={"kc_session": token}, timeout=30) as http:
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = await http.get(url)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code >= 400

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
        "requests": len(latencies),
        "errors": errors,
    }


def load(url: str, token: str, connections: int, seconds: int) -> dict[str, float]:
    if shutil.which("wrk"):
        return _wrk(url, token, connections, seconds)
    # The load generator runs in this process, the server in another: still two processes.
    return asyncio.run(_asyncio_load(url, token, connections, seconds))


def run_bench(enterprises: int, connections: int, seconds: int, workers: int) -> list[Measurement]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-web-") as tmp:
        uscc, env = prepare(Path(tmp), enterprises)
        port = _free_port()
        server = serve(env, port, workers)
        try:
            base = f"http://127.0.0.1:{port}"
            token = httpx.post(
                f"{base}/api/v1/session", json={"username": "bench-ent", "password": PASSWORD}
            ).json()["token"]
            tool = "wrk" if shutil.which("wrk") else "asyncio+httpx"
            for name, path in (
                ("home page", f"/enterprises/{uscc}"),
                ("API my policies", f"/api/v1/enterprises/{uscc}/policies"),
            ):
                httpx.get(base + path, cookies={"kc_session": token}, timeout=30)  # warm cache
                r = load(base + path, token, connections, seconds)
                note = (
                    f"{r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                    f"{int(r['errors'])} errors / {int(r['requests'])} "
                    f"({connections} clients, {tool}, {workers} worker(s))"
                )
                print(f"{name}: {note}", flush=True)
                rows.append(Measurement(name, float(seconds), 0.0, note, extra=r))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return rows


def run(size: int) -> list[Measurement]:
    """The bench/__main__ interface: `size` enterprises, 50 clients, 30 s."""
    return run_bench(size, 50, 30, os.cpu_count() or 1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web")
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    report(TITLE, run_bench(args.enterprises, args.connections, args.seconds, args.workers))


if __name__ == "__main__":
    main()
