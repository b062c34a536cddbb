"""The direct route against a provider batch, on the loopback stubs: documents, requests, rounds, cost.

    python benchmarks/provider_batch.py [--docs 1000] [--reasks 50] [--providers openai anthropic]

N short reports of talks (each with its own marker line) are briefed with a priced model
(openai/gpt-4o-mini, anthropic/claude-haiku-4-5) against the stubs of tests/batch_stub.py: on the
direct route (the library's batch, 16 documents in flight), then through the provider's batch
API (submit, then collect), with the re-asks in a second batch and with --reask direct. The
first answer to each of the first --reasks documents is not JSON, so that each route asks again.

The estimate counts the prompts' tokens with the model's tokenizer and 150 tokens per answer;
the cost counted comes from the answers' usage, which the stub sets at 100 prompt and 50 answer
tokens. Prints a table per provider; writes benchmarks/results/provider_batch.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Doc, Settings, Summarizer  # noqa: E402
from summarizer._manifest import Manifest, write_outputs  # noqa: E402
from summarizer._provider_batch import collect, submit  # noqa: E402
from tests.batch_stub import BatchStub  # noqa: E402

DOC = (
    "Acting Under Secretary of State for Political Affairs, John Bass met Foreign Secretary Amna Baloch"
    " in Islamabad yesterday for talks including trade, energy and security. Pakistan and the United"
    " States said both sides agreed to strengthen ties and enhance cooperation, in a renewed drive"
    " towards strengthening bilateral relations.\n\nMarker {n}."
)

MODELS = {"openai": "openai/gpt-4o-mini", "anthropic": "anthropic/claude-haiku-4-5"}
ROUTES = ("direct", "batch", "batch-direct")


def docs(n: int) -> list[Doc]:
    return [Doc.from_text(f"doc-{i:04d}", DOC.format(n=i)) for i in range(n)]


def tally(outdir: Path) -> dict[str, Any]:
    """Documents written and failed, re-asks and the cost counted, from the manifest's last lines."""
    rows = Manifest(outdir).load()
    ok = [r for r in rows.values() if r["status"] == "ok"]
    return {
        "written": len(ok),
        "failed": sum(r["status"] == "failed" for r in rows.values()),
        "reasks": sum(r["retries"] or 0 for r in ok),
        "cost_usd": round(sum(r["cost_usd"] or 0.0 for r in ok), 6),
    }


def direct(stub: BatchStub, settings: Settings, n: int, outdir: Path) -> dict[str, Any]:
    async def run() -> None:
        book = Manifest(outdir)
        async for result in Summarizer(settings).batch(docs(n), concurrency=16):
            if result.status == "ok":
                result.outputs = await asyncio.to_thread(write_outputs, result, outdir, ["json"])
            book.append(result.manifest_line())
        book.close()

    started = time.perf_counter()
    asyncio.run(run())
    return {
        "route": "direct",
        "documents": n,
        **tally(outdir),
        "requests": len(stub.requests),
        "rounds": 1,
        "estimate_usd": None,
        "seconds": round(time.perf_counter() - started, 1),
    }


def provider(stub: BatchStub, settings: Settings, n: int, outdir: Path, reask: str) -> dict[str, Any]:
    started = time.perf_counter()
    job = submit(Summarizer(settings), docs(n), outdir)
    collection = collect(settings, outdir, reask=reask, poll_interval=0)  # type: ignore[arg-type]
    return {
        "route": f"provider batch, re-asks {'directly' if reask == 'direct' else 'in a batch'}",
        "documents": n,
        **tally(outdir),
        "requests": len(stub.lines) + len(stub.requests),
        "rounds": collection.progress.rounds,
        "estimate_usd": round(job.estimate.batch_usd or 0.0, 6),
        "estimate_direct_usd": round(job.estimate.direct_usd or 0.0, 6),
        "prompt_tokens": job.estimate.prompt_tokens,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--reasks", type=int, default=50)
    parser.add_argument("--providers", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--routes", nargs="+", default=list(ROUTES), choices=list(ROUTES))
    args = parser.parse_args()
    os.environ["STUB_KEY"] = "stub-key-0123456789"
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.providers:
            for route in args.routes:
                with BatchStub() as stub:
                    # The first answer to each of these documents is not JSON: a re-ask, either route.
                    faults: dict[str, list[Any]] = {f"Marker {i}.": ["garbage"] for i in range(args.reasks)}
                    if route == "direct":
                        stub.behaviour.faults = faults
                    else:
                        stub.faults = faults
                    base = stub.root if name == "anthropic" else stub.api_base
                    settings = Settings(
                        model=MODELS[name],
                        api_base=base,
                        api_key_env="STUB_KEY",
                        cache=False,
                    )
                    outdir = Path(tmp) / f"{name}-{route}"
                    if route == "direct":
                        row = direct(stub, settings, args.docs, outdir)
                    else:
                        row = provider(
                            stub,
                            settings,
                            args.docs,
                            outdir,
                            "direct" if route == "batch-direct" else "batch",
                        )
                row["provider"] = name
                rows.append(row)
                print(json.dumps(row), flush=True)
    print()
    print(
        "| provider | route | documents | written | requests | re-asks | rounds | estimated cost"
        " | cost counted | seconds |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    estimates = {r["provider"]: r for r in rows if r.get("estimate_direct_usd") is not None}
    for r in rows:
        estimate = r["estimate_usd"]
        if r["route"] == "direct":  # the same requests' estimate, at direct prices
            estimate = estimates[r["provider"]]["estimate_direct_usd"] if r["provider"] in estimates else 0.0
        print(
            f"| {r['provider']} | {r['route']} | {r['documents']:,} | {r['written']:,} | {r['requests']:,}"
            f" | {r['reasks']} | {r['rounds']} | ${estimate:.4f} | ${r['cost_usd']:.4f} | {r['seconds']} |"
        )
    out = ROOT / "benchmarks" / "results" / "provider_batch.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"machine": platform.processor() or platform.machine(), "runs": rows}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
