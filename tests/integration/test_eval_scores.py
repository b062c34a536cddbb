"""Exact scores of the embedded model on a fixed subset of the development set, from cassettes.

Any change to parsing, matching or scoring changes these numbers; a change to the prompt or the
schema changes the requests, and the replay fails until the cassette is re-recorded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from summarizer import Settings, Summarizer
from summarizer._evaluation import load_cases, run_cases, score
from tests.conftest import RECORDED_MODEL

SUBSET = Path(__file__).parent / "data" / "eval_subset.jsonl"


@pytest.mark.vcr
def test_subset_scores(recorded_api_base: str) -> None:
    cases = load_cases([SUBSET])
    assert len(cases) == 9
    summarizer = Summarizer(Settings(model=RECORDED_MODEL, api_base=recorded_api_base))
    outcomes = asyncio.run(run_cases(summarizer, cases, concurrency=1))
    assert [o.error for o in outcomes] == [None] * 9
    _, report = score(outcomes)
    got = {
        group: {
            name: round(f["accuracy"], 4)
            if name == "tone"
            else (f["aligned"], f["items"])
            if name == "evidence"
            else (round(f["recall"], 4), round(f["prf"]["f1"], 4) if "prf" in f else None)
            for name, f in fields.items()
            if name != "cases"
        }
        for group, fields in report.items()
    }
    assert got == EXPECTED


# (recall, F1 where the gold is complete) per list field, tone accuracy, and (aligned, emitted)
# evidence quotes, per source.
EXPECTED: dict[str, dict[str, object]] = {
    "ALL": {
        "agenda": (0.6, None),
        "commitments": (1.0, None),
        "participants": (0.7647, 0.7692),
        "tone": 0.8571,
        "evidence": (66, 66),
    },
    "frus": {"agenda": (1.0, None), "participants": (0.6667, 0.5714), "evidence": (12, 12)},
    "plover": {"commitments": (1.0, None), "participants": (0.7778, None), "tone": 1.0, "evidence": (21, 21)},
    "rams": {"commitments": (1.0, None), "participants": (0.5, None), "tone": 0.0, "evidence": (16, 16)},
    "seed": {
        "agenda": (0.5556, None),
        "commitments": (1.0, None),
        "participants": (1.0, 1.0),
        "tone": 1.0,
        "evidence": (17, 17),
    },
}
