"""Load on `summarizer serve`: 500 requests at concurrency 50, the stub provider answering after 200 ms.

    python benchmarks/service_load.py [--requests 500] [--concurrency 50] [--latency 0.2]

Starts the stub provider and the service (one worker, cache off, a bearer token) as separate
processes on loopback, sends POST /v1/briefs with the seed document, and prints errors,
p50/p95/p99 latency, throughput and the server's resident memory (peak and after the run).
Writes benchmarks/results/service_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.service_fixture import TOKEN, free_port  # noqa: E402

SEED = (ROOT / "seeds" / "pakistan-us-talks.txt").read_text(encoding="utf-8")


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


async def load(url: str, requests: int, concurrency: int) -> tuple[list[float], dict[int, int], float]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                try:
                    response = await client.post(
                        f"{url}/v1/briefs", json={"text": SEED}, headers={"Authorization": f"Bearer {TOKEN}"}
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return latencies, statuses, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "service_load.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="summarizer-load-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUB_KEY": "stub-key-0123456789"}
    stub = subprocess.Popen(
        [sys.executable, "-m", "tests.stub_server", "--delay", str(args.latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert stub.stdout is not None
    api_base = stub.stdout.readline().strip()
    config = work / "service.toml"
    config.write_text(
        f'model = "openai/stub-model"\napi_base = "{api_base}"\napi_key_env = "STUB_KEY"\ncache = false\n'
        f'service_tokens = ["{TOKEN}"]\nservice_max_concurrency = {args.concurrency}\n',
        encoding="utf-8",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--config", str(config)],
        env=env, stdout=subprocess.DEVNULL, stderr=(work / "access.log").open("w"),
    )  # fmt: skip
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        idle = memory_kb(server.pid)
        asyncio.run(load(url, 20, 10))  # warm-up: imports, first connections
        latencies, statuses, seconds = asyncio.run(load(url, args.requests, args.concurrency))
        after = memory_kb(server.pid)
    finally:
        server.terminate()
        server.wait()
        stub.terminate()
        stub.wait()
    errors = sum(n for status, n in statuses.items() if status != 200)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "requests": args.requests,
        "concurrency": args.concurrency,
        "provider_latency_s": args.latency,
        "statuses": statuses,
        "errors": errors,
        "p50_s": round(percentile(latencies, 50), 3),
        "p95_s": round(percentile(latencies, 95), 3),
        "p99_s": round(percentile(latencies, 99), 3),
        "mean_s": round(statistics.mean(latencies), 3),
        "seconds": round(seconds, 2),
        "requests_per_s": round(args.requests / seconds, 1),
        "server_rss_mb": {"idle": round(idle["VmRSS"] / 1024, 1), "after": round(after["VmRSS"] / 1024, 1),
                          "peak": round(after["VmHWM"] / 1024, 1)},
    }  # fmt: skip
    print(
        f"{args.requests} requests at concurrency {args.concurrency}, provider latency {args.latency} s:"
        f" {errors} errors; p50 {results['p50_s']} s, p95 {results['p95_s']} s, p99 {results['p99_s']} s;"
        f" {results['requests_per_s']} requests/s; server memory {results['server_rss_mb']} MB"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
