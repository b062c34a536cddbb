"""Reference point: the embedded model driven by a naive 30-line instructor script.

    python benchmarks/naive_baseline.py [--runs 3]

Each run is a fresh process (no KV cache carried over), on the same runtime and weights as
`summarizer brief`, with a one-line prompt and a schema without descriptions or bounds. Prints
the median seconds of the model call and the tokens, and writes
benchmarks/results/naive_baseline.json (with the last brief, for scoring by hand or by eval).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "pakistan-us-talks.txt"


class Participant(BaseModel):
    name: str
    title: str | None
    affiliation: str | None
    role: str | None


class Commitment(BaseModel):
    actor: str
    action: str
    firmness: Literal["firm", "expected", "possible"]


class NaiveBrief(BaseModel):
    participants: list[Participant]
    agenda: list[str]
    commitments: list[Commitment]
    tone: str


def once() -> None:
    import instructor
    import litellm

    from summarizer import _embedded
    from summarizer._config import user_cache_dir

    rt = _embedded.runtime(user_cache_dir(), 32768, 0)
    client = instructor.from_litellm(litellm.completion, mode=instructor.Mode.JSON_SCHEMA)
    text = SEED.read_text(encoding="utf-8")
    started = time.perf_counter()
    brief, completion = client.create_with_completion(
        model=f"openai/{_embedded.MODEL_NAME}",
        api_base=rt.api_base,
        api_key="none",
        messages=[{"role": "user", "content": f"Summarize this report of a meeting:\n\n{text}"}],
        response_model=NaiveBrief,
        max_tokens=2048,
        temperature=0,
    )
    seconds = time.perf_counter() - started
    usage = completion.usage
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "brief": brief.model_dump(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        once()
        return
    runs = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--once"], check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    median = statistics.median(r["seconds"] for r in runs)
    print(
        f"naive instructor script: median {median:.1f} s over {len(runs)} runs,"
        f" {runs[0]['prompt_tokens']} prompt + {runs[0]['completion_tokens']} completion tokens"
    )
    out_file = ROOT / "benchmarks" / "results" / "naive_baseline.json"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps({"median_seconds": median, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
