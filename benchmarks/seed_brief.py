"""Benchmark: the seed brief on the embedded model, and CLI start-up.

Run from the repository root, in the installed environment:

    python benchmarks/seed_brief.py [--runs 3]

Each brief runs `summarizer brief seeds/pakistan-us-talks.txt --format json` in a fresh
process, as a user would. "cold" deletes the saved prompt-prefix state first, so the process
computes the system prompt; "warm" restores it from the cache directory. It prints a table and
writes benchmarks/results/seed_brief.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "pakistan-us-talks.txt"
CLI = [sys.executable, "-m", "summarizer"]


def run_brief() -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [*CLI, "brief", str(SEED), "--format", "json"], check=True, capture_output=True, text=True
    ).stdout
    wall = time.perf_counter() - started
    meta = json.loads(out)["meta"]
    return {
        "wall_s": round(wall, 2),
        "prompt_tokens": meta["prompt_tokens"],
        "completion_tokens": meta["completion_tokens"],
        "tokens_per_s": round(meta["completion_tokens"] / meta["latency_s"], 1),
    }


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from summarizer.config import user_cache_dir

    states = user_cache_dir() / "prefix-states"
    results: dict[str, object] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    for label in ("cold", "warm"):
        runs = []
        for _ in range(args.runs):
            if label == "cold":
                shutil.rmtree(states, ignore_errors=True)
            runs.append(run_brief())
        results[label] = {
            "runs": runs,
            "median_wall_s": statistics.median(r["wall_s"] for r in runs),
            "median_completion_tokens": statistics.median(r["completion_tokens"] for r in runs),
        }
    results["help_median_s"] = round(statistics.median(timed([*CLI, "--help"]) for _ in range(5)), 3)
    results["import_median_s"] = round(
        statistics.median(timed([sys.executable, "-c", "import summarizer"]) for _ in range(5)), 3
    )

    print(f"{'case':<8} {'median s':>9} {'prompt tok':>11} {'completion tok':>15} {'tok/s':>6}")
    for label in ("cold", "warm"):
        r = results[label]  # type: ignore[index]
        first = r["runs"][0]
        print(
            f"{label:<8} {r['median_wall_s']:>9.1f} {first['prompt_tokens']:>11} "
            f"{r['median_completion_tokens']:>15.0f} {first['tokens_per_s']:>6}"
        )
    print(f"summarizer --help: {results['help_median_s']} s (median of 5)")
    print(f"import summarizer: {results['import_median_s']} s (median of 5)")
    out = ROOT / "benchmarks" / "results" / "seed_brief.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
