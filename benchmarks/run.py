"""Benchmark of the embedded model's briefs: this checkout against a baseline commit, in one run.

    python benchmarks/run.py [--runs 3] [--baseline REF] [--context-sizes 32768,8192] [--cases ...]

Each variant (the baseline commit, checked out into a temporary git worktree, and this checkout
at each context size) briefs each case "cold": the model is loaded, then its KV cache and the
saved prompt states are erased before every brief, so the instructions and the document are
processed from scratch. Variants take turns, one process at a time (two llama.cpp processes on
2 cores thrash each other), and each brief runs in a fresh process of its variant.

It prints a table of medians (seconds, prompt, cached and completion tokens, re-asks, items found)
and the ratio of each variant to the baseline, and writes ``benchmarks/results/benchmark.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "pakistan-us-talks.txt"
SUBSET = ROOT / "tests" / "integration" / "data" / "eval_subset.jsonl"

# One brief, cold, in the checkout on sys.path[0]: only APIs every version since 0.2.0 has
# (its internal modules had no leading underscore before 0.3).
DRIVER = """
import json, sys, time
from summarizer import Settings, Summarizer
try:
    from summarizer import _embedded
    from summarizer._config import user_cache_dir
except ImportError:
    from summarizer import embedded as _embedded
    from summarizer.config import user_cache_dir
text, context_size = sys.stdin.read(), int(sys.argv[1])
rt = _embedded.runtime(user_cache_dir(), context_size, 0)
summarizer = Summarizer(Settings(cache=False, context_size=context_size))
rt.reset(forget_saved=True)
started = time.perf_counter()
brief = summarizer.summarize(text)
seconds = time.perf_counter() - started
m = brief.meta
items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
print(json.dumps({
    "seconds": seconds,
    "prompt_tokens": m.prompt_tokens,
    "cached_tokens": getattr(m, "cached_tokens", 0),
    "completion_tokens": m.completion_tokens,
    "retries": m.retries,
    "participants": len(brief.participants),
    "agenda_items": len(brief.agenda_items),
    "commitments": len(brief.commitments),
    "evidence_found": sum(bool(i.grounded) for i in items) / len(items),
}))
"""


def cases(names: list[str]) -> dict[str, str]:
    subset = {c["id"]: c["text"] for c in map(json.loads, SUBSET.read_text(encoding="utf-8").splitlines())}
    return {n: SEED.read_text(encoding="utf-8") if n == "seed" else subset[n] for n in names}


def brief(tree: Path, text: str, context_size: int) -> dict[str, float]:
    return run_driver(DRIVER, [str(context_size)], text, tree)


def run_driver(driver: str, args: list[str], text: str, tree: Path = ROOT) -> dict[str, Any]:
    """What ``driver`` prints last, as JSON, run in a fresh process on the checkout ``tree`` with
    ``args`` and ``text`` on its standard input."""
    env = {**os.environ, "PYTHONPATH": str(tree), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [sys.executable, "-c", driver, *args], input=text, capture_output=True, text=True, env=env, cwd=tree
    )
    if done.returncode:
        sys.exit(f"the driver failed on {tree} (exit code {done.returncode}):\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default="d6816aa", help="git ref of the baseline (0.2.0, one pass)")
    parser.add_argument("--context-sizes", default="32768", help="comma-separated, for this checkout")
    parser.add_argument("--cases", default="seed", help="comma-separated: seed, or ids of the eval subset")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "benchmark.json")
    args = parser.parse_args()

    docs = cases(args.cases.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.baseline], cwd=ROOT, check=True)
        try:
            variants = {f"baseline {args.baseline}": (base, 32768)}
            variants |= {f"this checkout, {c} ctx": (ROOT, int(c)) for c in args.context_sizes.split(",")}
            runs: dict[str, dict[str, list[dict[str, float]]]] = {v: {d: [] for d in docs} for v in variants}
            for i in range(args.runs):
                for name, text in docs.items():
                    for variant, (tree, context_size) in variants.items():
                        result = brief(tree, text, context_size)
                        runs[variant][name].append(result)
                        line = f"run {i + 1} {name} {variant}: {json.dumps(result)}"
                        print(line, file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=True)

    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "runs": args.runs,
        "medians": {v: {d: median_of(r) for d, r in by_doc.items()} for v, by_doc in runs.items()},
    }
    baseline = next(iter(results["medians"].values()))
    print(f"\n{results['machine']}; cold briefs, median of {args.runs}")
    header = (
        "variant / case",
        "seconds",
        "x base",
        "prompt",
        "cached",
        "completion",
        "re-asks",
        "P/A/C",
        "found",
    )
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for variant, by_doc in results["medians"].items():
        for name, m in by_doc.items():
            ratio = m["seconds"] / baseline[name]["seconds"]
            counts = f"{m['participants']:g}/{m['agenda_items']:g}/{m['commitments']:g}"
            cells = [f"{variant} / {name}", f"{m['seconds']:.1f}", f"{ratio:.2f}", f"{m['prompt_tokens']:g}"]
            cells += [f"{m['cached_tokens']:g}", f"{m['completion_tokens']:g}", f"{m['retries']:g}", counts]
            cells.append(f"{m['evidence_found']:.0%}")
            print("| " + " | ".join(cells) + " |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
