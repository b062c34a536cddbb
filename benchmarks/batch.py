"""Batch throughput against the loopback stub provider, and a re-run served from the cache.

    python benchmarks/batch.py [--docs 500] [--latency 0.3] [--concurrency 1 8 32 64]

For each concurrency: wall time of `summarizer batch` work done in-process (the library's
batch, outputs and manifest written as the CLI writes them), against the ideal
N x latency / concurrency. Then the same documents again with the cache on: in-process, and
as a user runs it, `summarizer batch` in a fresh process.

With --embedded N (default 4; 0 skips it), N short documents of the eval subset go through
the embedded model twice: as a batch, where one loaded model keeps the system prompt's KV
cache from one document to the next, and one by one with that cache (and the saved prompt
state) erased before each. Writes benchmarks/results/batch.json.
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

from summarizer import Doc, Settings, Summarizer  # noqa: E402
from summarizer._manifest import Manifest, write_outputs  # noqa: E402

DOC = (
    "Acting Under Secretary of State for Political Affairs, John Bass met Foreign Secretary Amna Baloch"
    " in Islamabad yesterday for talks including trade, energy and security. Pakistan and the United"
    " States said both sides agreed to strengthen ties and enhance cooperation, in a renewed drive"
    " towards strengthening bilateral relations. Marker {n}."
)


async def run_batch(settings: Settings, docs: list[Doc], outdir: Path, concurrency: int) -> dict[str, Any]:
    summarizer = Summarizer(settings)
    book = Manifest(outdir)
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    async for result in summarizer.batch(docs, concurrency=concurrency):
        if result.status in ("ok", "cached"):
            result.outputs = await asyncio.to_thread(write_outputs, result, outdir, ["json"])
        book.append(result.manifest_line())
        statuses[result.status] = statuses.get(result.status, 0) + 1
    book.close()
    return {"seconds": round(time.perf_counter() - started, 2), "statuses": statuses}


def embedded_prefix_saving(n: int) -> dict[str, Any]:
    """Seconds per document on the embedded model with and without the reused system-prompt prefix."""
    from summarizer import _embedded
    from summarizer._config import user_cache_dir

    subset = ROOT / "tests" / "integration" / "data" / "eval_subset.jsonl"
    cases = [json.loads(line) for line in subset.read_text(encoding="utf-8").splitlines()]
    texts = [c["text"] for c in sorted(cases, key=lambda c: len(c["text"]))[:n]]
    summarizer = Summarizer(Settings(cache=False))
    rt = _embedded.runtime(user_cache_dir(), summarizer.settings.context_size, summarizer.settings.threads)
    erased = []
    for text in texts:
        rt.reset(forget_saved=True)
        started = time.perf_counter()
        summarizer.summarize(text)
        erased.append(time.perf_counter() - started)
    docs = [Doc.from_text(f"doc-{i}", t) for i, t in enumerate(texts)]

    async def batch() -> list[float]:
        return [r.brief.meta.latency_s async for r in summarizer.batch(docs, concurrency=1)]

    summarizer.summarize(texts[0])  # the prefix is in the KV cache, as after a batch's first document
    reused = asyncio.run(batch())
    return {
        "documents": n,
        "prefix_erased_s": round(statistics.median(erased), 2),
        "prefix_reused_s": round(statistics.median(reused), 2),
        "per_document_saving_s": round(statistics.median(erased) - statistics.median(reused), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--runs", type=int, default=1, help="Repeat each measurement; medians are reported.")
    parser.add_argument("--embedded", type=int, default=4, help="Documents for the prefix-cache measurement.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "batch.json")
    args = parser.parse_args()

    os.environ.setdefault("STUB_KEY", "stub-key-0123456789")
    work = Path(tempfile.mkdtemp(prefix="summarizer-batch-bench-"))
    docs = [Doc.from_text(f"doc-{n:04d}", DOC.format(n=n)) for n in range(args.docs)]
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "docs": args.docs,
        "latency_s": args.latency,
        "rows": [],
    }
    # The stub runs in its own process, as a real provider would: it must not share our GIL.
    stub = subprocess.Popen(
        [sys.executable, "-m", "tests.stub_server", "--delay", str(args.latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stub.stdout is not None
    api_base = stub.stdout.readline().strip()

    def requests_served() -> int:
        return int(httpx.get(api_base.rsplit("/v1", 1)[0] + "/stats").json()["requests"])

    try:
        base: dict[str, Any] = {
            "model": "openai/stub-model",
            "api_base": api_base,
            "api_key_env": "STUB_KEY",
            "cache_path": work / "cache.sqlite",
        }
        print(f"{args.docs} documents, stub latency {args.latency} s, {os.cpu_count()} CPUs")
        print(f"{'concurrency':>11} {'seconds':>8} {'ideal':>7} {'of ideal':>8}")
        for c in args.concurrency:
            runs = []
            for r in range(args.runs):
                out = work / f"c{c}-{r}"
                runs.append(asyncio.run(run_batch(Settings(**base, cache=False), docs, out, c)))
                assert runs[-1]["statuses"] == {"ok": args.docs}, runs[-1]["statuses"]
            seconds = statistics.median(run["seconds"] for run in runs)
            ideal = args.docs * args.latency / c
            row = {
                "concurrency": c,
                "seconds": seconds,
                "ideal_s": round(ideal, 2),
                "of_ideal": round(ideal / seconds, 3),
            }
            results["rows"].append(row)
            print(f"{c:>11} {seconds:>8.2f} {ideal:>7.2f} {ideal / seconds:>8.2f}")

        fill = asyncio.run(run_batch(Settings(**base), docs, work / "fill", 64))
        cached = [asyncio.run(run_batch(Settings(**base), docs, work / f"cached-{r}", 64)) for r in range(3)]
        assert all(c["statuses"] == {"cached": args.docs} for c in cached)
        requests_before = requests_served()
        config = work / "stub.toml"
        config.write_text(
            "\n".join(f"{k} = {json.dumps(str(v))}" for k, v in base.items()) + "\n", encoding="utf-8"
        )
        folder = work / "docs"
        folder.mkdir()
        for doc in docs:
            (folder / f"{doc.id}.txt").write_text(doc.read(), encoding="utf-8")
        cli = []
        for r in range(3):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "summarizer", "batch", str(folder), "-o", str(work / f"cli-{r}"),
                 "--config", str(config), "--concurrency", "64"],
                check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
            cli.append(time.perf_counter() - started)
        assert requests_served() == requests_before, "a cached re-run reached the provider"
    finally:
        stub.terminate()
        stub.wait()
    results["fill_s"] = fill["seconds"]
    results["cached_in_process_s"] = round(statistics.median(c["seconds"] for c in cached), 2)
    results["cached_cli_s"] = round(statistics.median(cli), 2)
    print(
        f"cached re-run of {args.docs}: {results['cached_in_process_s']:.2f} s in-process,"
        f" {results['cached_cli_s']:.2f} s as `summarizer batch` in a fresh process (median of 3, 0 requests)"
    )
    if args.embedded:
        results["embedded"] = embedded_prefix_saving(args.embedded)
        e = results["embedded"]
        print(
            f"embedded model, {e['documents']} short documents: {e['prefix_erased_s']:.1f} s a document"
            f" with the system prompt's KV cache erased, {e['prefix_reused_s']:.1f} s reusing it in a batch"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
