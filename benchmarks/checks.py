"""Benchmark of the library's own work on a brief, no model: the checks and grounding.

    python benchmarks/checks.py [--runs 5] [--out benchmarks/results/checks.json]

For each document of the recorded eval subset (the seed, PLOVER, RAMS and FRUS cases), and for
all of them joined three times (about 20,000 characters, the size of one part of a long
document), a brief is built from the document itself: 12 items quoting its sentences, 4 of them
reworded so that their quotes are not found (the costly path: normalised, then fuzzy search,
then the nearest passage for the re-ask), and an earlier answer with 6 more items that the last
attempt may restore. Reports the median milliseconds, over --runs runs after a warm-up call, with the
alignment caches cleared, of the checks on a re-asked attempt (the problems found), of the last
attempt (checks, fixes and the restoring of dropped items) and of grounding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUBSET = ROOT / "tests" / "integration" / "data" / "eval_subset.jsonl"


def brief_data(text: str, offset: int, count: int) -> dict[str, Any]:
    """A brief whose items quote ``count`` sentences of ``text`` from ``offset``; every third reworded."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    picked = [sentences[(offset + i) % len(sentences)] for i in range(count)]
    quotes = [" ".join(s.split()[:12]) for s in picked]
    quotes = [" ".join(reversed(q.split())) if i % 3 == 2 else q for i, q in enumerate(quotes)]
    third = count // 3
    return {
        "participants": [
            {
                "evidence": q,
                "name": q.split()[0],
                "title": "",
                "affiliation": "",
                "kind": "person",
                "role": None,
            }
            for q in quotes[:third]
        ],
        "agenda_items": [
            {"topic": f"subject {i}", "evidence": q, "summary": "x"}
            for i, q in enumerate(quotes[third : 2 * third])
        ],
        "commitments": [
            {"evidence": q, "actor": "both sides", "action": f"act {i}", "firmness": "firm"}
            for i, q in enumerate(quotes[2 * third :])
        ],
        "context": {"date": "", "place": "", "format": ""},
        "tone": {"evidence": quotes[0], "label": "cooperative", "rationale": "x"},
        "summary": "x",
        "headline": "x",
    }


def median_ms(fn: Any, runs: int) -> float:
    from summarizer import alignment

    fn()  # warm-up: lazy imports
    times = []
    for _ in range(runs):
        alignment._normalize.cache_clear()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def measure(text: str, runs: int) -> dict[str, Any]:
    from summarizer.checks import find_problems
    from summarizer.grounding import ground
    from summarizer.schemas import Brief

    data = brief_data(text, 0, 12)
    brief = Brief.model_validate(data)
    earlier = Brief.model_validate(brief_data(text, 6, 12))

    def last_attempt() -> None:
        context = {"source": text, "is_last_attempt": lambda: True, "repairs": [], "earlier": [earlier]}
        Brief.model_validate(data, context=context)

    return {
        "chars": len(text),
        "reask_checks_ms": median_ms(lambda: list(find_problems(brief, text)), runs),
        "last_attempt_ms": median_ms(last_attempt, runs),
        "ground_ms": median_ms(lambda: ground(brief, text), runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "checks.json")
    args = parser.parse_args()

    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "documents": {},
    }
    docs = {c["id"][:24]: c["text"] for c in map(json.loads, SUBSET.read_text(encoding="utf-8").splitlines())}
    # A source as long as one part of a long document (chunk_tokens=6000 is about 24,000 chars).
    docs["all of them, 3 times"] = "\n\n".join(list(docs.values()) * 3)
    for name, text in docs.items():
        row = measure(text, args.runs)
        results["documents"][name] = row
        print(f"{name:24} {row}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
