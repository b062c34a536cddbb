"""Benchmark of the embedded model and the framework around it.

    python benchmarks/run.py [--runs 3] [--out benchmarks/results/benchmark.json]

Reports, on this machine:
- model load time;
- per brief, for the seed and 3 development cases: seconds, prompt and completion tokens and
  completion tokens per second, median of --runs runs, "cold" (the model's KV cache erased, so
  the system prompt and the document are both processed) and "warm" (the same document again:
  llama.cpp reuses the cached prompt, so only the output is generated);
- framework overhead: the same request sent straight to the runtime, and through summarize();
- `summarizer brief` on the seed in a fresh process, as a user runs it: with no saved prompt
  state, and with the state the first run saved (the system prompt is then restored, not
  processed);
- cold start of `summarizer --help` and `import summarizer`, median of 5;
- prompt overhead: system prompt (instructions, field guide, example) against the document.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "pakistan-us-talks.txt"
SUBSET = ROOT / "tests" / "integration" / "data" / "eval_subset.jsonl"
DEV_CASES = [
    "plover-AGREE-0013",
    "rams-dev-nw_RC9fa451bfe2b3a2e4a20154aa8eb54011f1da31bdbadaf8b7bddb3d12",
    "frus-1958-60v09-d181",
]


def documents() -> dict[str, str]:
    cases = {c["id"]: c["text"] for c in map(json.loads, SUBSET.read_text(encoding="utf-8").splitlines())}
    docs = {"seed": SEED.read_text(encoding="utf-8")}
    for case_id in DEV_CASES:
        docs[case_id[:20]] = cases[case_id]
    return docs


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}


def brief_once(summarizer: Any, text: str) -> dict[str, float]:
    started = time.perf_counter()
    brief = summarizer.summarize(text)
    seconds = time.perf_counter() - started
    m = brief.meta
    return {
        "seconds": seconds,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "tokens_per_s": m.completion_tokens / seconds,
    }


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "benchmark.json")
    args = parser.parse_args()

    from summarizer import Settings, Summarizer, embedded
    from summarizer.config import user_cache_dir
    from summarizer.prompts import field_guide, load_prompt
    from summarizer.schemas import Brief

    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    }
    started = time.perf_counter()
    embedded.ensure_weights(user_cache_dir())
    rt = embedded.runtime(user_cache_dir(), 32768, 0)
    results["load_s"] = round(time.perf_counter() - started, 2)
    results["load_runtime_s"] = round(rt.load_seconds, 2)

    summarizer = Summarizer(Settings(cache=False))  # every run makes its model call
    prompt = load_prompt("brief")
    system = prompt.render(document="", fields=field_guide(Brief))[0]["content"]
    results["prompt_overhead"] = {"system_prompt_tokens": rt.count_tokens(system), "documents": {}}
    results["briefs"] = {}
    for name, text in documents().items():
        results["prompt_overhead"]["documents"][name] = rt.count_tokens(text)
        cold, warm = [], []
        for _ in range(args.runs):
            rt.reset(forget_saved=True)
            cold.append(brief_once(summarizer, text))
            warm.append(brief_once(summarizer, text))
        results["briefs"][name] = {"cold": median_of(cold), "warm": median_of(warm)}
        print(name, results["briefs"][name], flush=True)

    # Framework overhead: the request summarize() sends, straight to the runtime, both warm.
    text = list(documents().values())[1]
    messages = prompt.render(document=text, fields=field_guide(Brief))
    body = {
        "model": embedded.MODEL_NAME,
        "messages": messages,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "Brief", "schema": Brief.model_json_schema()},
        },
        "temperature": 0.0,
        "max_tokens": summarizer.settings.max_tokens,
    }
    direct, framework = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        httpx.post(rt.url + "/v1/chat/completions", json=body, timeout=600).raise_for_status()
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        summarizer.summarize(text)
        framework.append(time.perf_counter() - t)
    d, f = statistics.median(direct), statistics.median(framework)
    results["framework_overhead"] = {
        "direct_s": round(d, 3),
        "summarize_s": round(f, 3),
        "ratio": round(f / d, 3),
    }

    cli = [sys.executable, "-m", "summarizer"]
    results["cli_seed"] = {}
    for label in ("no saved state", "saved state"):
        runs = []
        for _ in range(args.runs):
            if label == "no saved state":
                rt.reset(forget_saved=True)
            started = time.perf_counter()
            out = subprocess.run(
                [*cli, "brief", str(SEED), "--format", "json", "--no-cache"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            meta = json.loads(out)["meta"]
            runs.append(
                {
                    "seconds": time.perf_counter() - started,
                    "prompt_tokens": meta["prompt_tokens"],
                    "completion_tokens": meta["completion_tokens"],
                }
            )
        results["cli_seed"][label] = median_of(runs)
    results["cold_start"] = {
        "help_s": round(statistics.median(timed([*cli, "--help"]) for _ in range(5)), 3),
        "import_s": round(
            statistics.median(timed([sys.executable, "-c", "import summarizer"]) for _ in range(5)), 3
        ),
    }

    print(f"\nmachine: {results['machine']}; model load {results['load_s']} s")
    header = ("document", "doc tok", "cold s", "warm s", "prompt tok", "compl tok", "tok/s")
    print(f"{header[0]:<20}" + "".join(f" {h:>10}" for h in header[1:]))
    for name, r in results["briefs"].items():
        c, w = r["cold"], r["warm"]
        doc_tokens = results["prompt_overhead"]["documents"][name]
        cells = (doc_tokens, c["seconds"], w["seconds"], c["prompt_tokens"], c["completion_tokens"])
        print(f"{name:<20}" + "".join(f" {v:>10.1f}" for v in cells) + f" {w['tokens_per_s']:>10.1f}")
    fo = results["framework_overhead"]
    print(
        f"framework overhead: direct {fo['direct_s']} s, summarize() {fo['summarize_s']} s,"
        f" ratio {fo['ratio']}"
    )
    print(f"system prompt: {results['prompt_overhead']['system_prompt_tokens']} tokens")
    for label, r in results["cli_seed"].items():
        print(
            f"summarizer brief seed ({label}): {r['seconds']:.1f} s, {r['prompt_tokens']:.0f} prompt +"
            f" {r['completion_tokens']:.0f} completion tokens (median of {args.runs} fresh processes)"
        )
    cs = results["cold_start"]
    print(f"summarizer --help {cs['help_s']} s, import summarizer {cs['import_s']} s (medians of 5)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
