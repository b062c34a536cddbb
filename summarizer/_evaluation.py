"""Evaluation on gold sets: run the summarizer over JSONL cases, score, and write the reports.

Outputs in the chosen folder:
- ``predictions.jsonl``: one line per case, its brief or its error, written as each case ends;
- ``report.json``: the scores per field, per source and overall, with the share of emitted
  evidence found in the source, keyed by model, prompt sha256 and schema version;
- ``mistakes.md``: for each case, the missed and the spurious items side by side.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer._concurrency import map_bounded
from summarizer._config import Settings
from summarizer._core import Summarizer
from summarizer._errors import InputError, SummarizerError
from summarizer._files import write_atomic
from summarizer._scoring import CaseScore, aggregate, read_prediction, score_case
from summarizer.schemas import TONE_MAP

Case = dict[str, Any]


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Cases from JSONL files, or from every ``*.jsonl`` in folders, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.jsonl"))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    cases = []
    for file in files:
        for n, case in _jsonl(file):
            if not isinstance(case, dict) or "id" not in case or "text" not in case:
                raise InputError(f"{file}:{n}: a case needs an id and a text")
            cases.append(case)
    if not cases:
        raise InputError("no cases found")
    return cases


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSONL file, parsed, with its line number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from e
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield n, json.loads(line)
            except ValueError as e:
                raise InputError(f"{path}:{n}: not JSON: {e}") from e


def select_cases(
    cases: list[Case],
    *,
    source: str | None = None,
    sample: int | None = None,
    seed: int = 0,
    limit: int | None = None,
) -> list[Case]:
    """Filter by source (the id prefix), then sample reproducibly, then cut to ``limit``."""
    chosen = [c for c in cases if source is None or c["id"].split("-", 1)[0] == source]
    if sample is not None and sample < len(chosen):
        picked = set(random.Random(seed).sample(range(len(chosen)), sample))
        chosen = [c for i, c in enumerate(chosen) if i in picked]
    return chosen[:limit] if limit is not None else chosen


@dataclass
class Outcome:
    """One case's result: the brief as a dict, or the error that replaced it."""

    case: Case
    brief: dict[str, Any] | None
    error: str | None
    seconds: float


async def run_cases(
    summarizer: Summarizer,
    cases: list[Case],
    *,
    concurrency: int = 1,
    on_done: Callable[[Outcome], Awaitable[None] | None] | None = None,
) -> list[Outcome]:
    """Summarize every case with at most ``concurrency`` in flight; failures become outcomes.

    ``on_done`` sees each outcome as it finishes; the list returned is in the order of ``cases``.
    """

    async def one(numbered: tuple[int, Case]) -> tuple[int, Outcome]:
        n, case = numbered
        started = time.monotonic()
        try:
            brief = await summarizer.asummarize(case["text"])
            return n, Outcome(case, brief.model_dump(mode="json"), None, time.monotonic() - started)
        except SummarizerError as e:
            return n, Outcome(case, None, f"{type(e).__name__}: {e}", time.monotonic() - started)

    outcomes: list[Outcome | None] = [None] * len(cases)
    async with aclosing(map_bounded(one, enumerate(cases), limit=max(1, concurrency))) as finished:
        async for n, outcome in finished:
            outcomes[n] = outcome
            if on_done is not None:
                result = on_done(outcome)
                if asyncio.iscoroutine(result):
                    await result
    return [o for o in outcomes if o is not None]


def score(outcomes: list[Outcome]) -> tuple[list[CaseScore], dict[str, Any]]:
    """Per-case scores and the aggregate; a failed case scores as an empty brief.

    Each group also gets ``evidence``: of the items the briefs emitted with evidence, how many
    the library found in the source (``grounded``), micro-averaged like the scores.
    """
    scores = [score_case(o.case, o.brief or {}, TONE_MAP) for o in outcomes]
    report = aggregate(scores)
    counts = {group: [0, 0] for group in report}  # items with a quote, items whose quote was found
    for outcome, s in zip(outcomes, scores, strict=True):
        items, aligned = evidence_counts(outcome.brief or {})
        for group in ("ALL", s.source):
            counts[group][0] += items
            counts[group][1] += aligned
    for group, (items, aligned) in counts.items():
        report[group]["evidence"] = {
            "items": items,
            "aligned": aligned,
            "share": aligned / items if items else None,
        }
    return scores, report


def evidence_counts(brief: Any) -> tuple[int, int]:
    """Items of a brief (any nesting) that carry a ``grounded`` flag, and those flagged true."""
    if isinstance(brief, list):
        counts = [evidence_counts(v) for v in brief]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)
    if not isinstance(brief, dict):
        return 0, 0
    items, aligned = (
        (1, int(brief["grounded"] is True)) if isinstance(brief.get("grounded"), bool) else (0, 0)
    )
    for key, value in brief.items():
        if key != "meta":
            sub = evidence_counts(value)
            items, aligned = items + sub[0], aligned + sub[1]
    return items, aligned


def load_predictions(paths: Iterable[Path], cases: list[Case]) -> list[Outcome]:
    """Outcomes read back from ``predictions.jsonl`` files, for the cases they cover.

    A later line for the same id wins, so the files of a run done in parts can be given together.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in paths:
        for n, row in _jsonl(path):
            if not isinstance(row, dict) or "id" not in row or ("brief" not in row and "error" not in row):
                raise InputError(f"{path}:{n}: a prediction needs an id and a brief or an error")
            found[row["id"]] = row
    return [
        Outcome(
            c, found[c["id"]].get("brief"), found[c["id"]].get("error"), found[c["id"]].get("seconds", 0.0)
        )
        for c in cases
        if c["id"] in found
    ]


def build_report(outcomes: list[Outcome], summary: dict[str, Any], key: dict[str, Any]) -> dict[str, Any]:
    """The report.json content.

    ``cached`` counts the briefs served from the cache: their ``seconds`` are the lookup's, not
    the model's, so the total time of a resumed run is only that of its new briefs.
    """
    failed = [{"id": o.case["id"], "error": o.error} for o in outcomes if o.error]
    return {
        "key": key,
        "cases": len(outcomes),
        "failed": failed,
        "cached": sum(1 for o in outcomes if o.brief and (o.brief.get("meta") or {}).get("cached")),
        "seconds": round(sum(o.seconds for o in outcomes), 1),
        "scores": summary,
    }


def report_key(s: Settings, outcomes: list[Outcome]) -> dict[str, Any]:
    """What the scores depend on: model, prompt sha256, schema version (from a brief's meta)."""
    meta = next((o.brief["meta"] for o in outcomes if o.brief and o.brief.get("meta")), None)
    return {
        "model": meta["model"] if meta else s.model,
        "provider": meta["provider"] if meta else None,
        "prompt": s.prompt,
        "prompt_sha256": meta["prompt_sha256"] if meta else None,
        "schema": s.schema,
        "schema_version": meta["schema_version"] if meta else None,
    }


def prediction_line(outcome: Outcome) -> str:
    """One predictions.jsonl line."""
    row: dict[str, Any] = {"id": outcome.case["id"], "seconds": round(outcome.seconds, 2)}
    row["brief" if outcome.error is None else "error"] = (
        outcome.brief if outcome.error is None else outcome.error
    )
    return json.dumps(row, ensure_ascii=False)


def mistakes_markdown(outcomes: list[Outcome], scores: list[CaseScore]) -> str:
    """For each case, the gold items missed and the predicted items that matched nothing."""
    out = ["# Mistakes", ""]
    for outcome, s in zip(outcomes, scores, strict=True):
        gold = outcome.case.get("gold", {})
        pred = read_prediction(outcome.brief or {})
        sections: list[str] = []
        if outcome.error:
            sections.append(f"**Failed:** {outcome.error}")
        for name, gold_items, pred_items in (
            ("participants", [p.get("name", "") for p in gold.get("participants", [])], pred.participants),
            (
                "commitments",
                [f"{c.get('actor', '')}: {c.get('action', '')}" for c in gold.get("commitments", [])],
                [f"{a}: {b}" for a, b in pred.commitments],
            ),
            ("agenda", list(gold.get("agenda", [])), pred.agenda),
        ):
            if name not in s.fields:
                continue
            matches = s.matches.get(name, [])
            missed = [g for i, g in enumerate(gold_items) if i not in {m[1] for m in matches}]
            spurious = [p for i, p in enumerate(pred_items) if i not in {m[0] for m in matches}]
            if missed or spurious:
                sections.append(_side_by_side(name, missed, spurious))
        if s.tone is not None and s.tone[0] != s.tone[1]:
            sections.append(f"**tone:** gold {s.tone[0]}, predicted {s.tone[1] or 'none or unmapped'}")
        if sections:
            out += [f"## {outcome.case['id']}", "", *sections, ""]
    if len(out) == 2:
        out.append("None.")
    return "\n".join(out) + "\n"


def _side_by_side(name: str, missed: list[str], spurious: list[str]) -> str:
    rows = [f"**{name}**", "", "| missed (gold) | spurious (predicted) |", "| --- | --- |"]
    for i in range(max(len(missed), len(spurious))):
        left = missed[i] if i < len(missed) else ""
        right = spurious[i] if i < len(spurious) else ""
        rows.append(f"| {_cell(left)} | {_cell(right)} |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def compare_reports(
    a: dict[str, Any], b: dict[str, Any]
) -> list[tuple[str, str, str, float | None, float | None]]:
    """Rows of (group, field, metric, A, B) for every figure either report has."""
    rows = []
    groups = list(dict.fromkeys([*a["scores"], *b["scores"]]))
    for group in groups:
        ga, gb = a["scores"].get(group, {}), b["scores"].get(group, {})
        for field_name in ("participants", "commitments", "agenda", "tone", "evidence"):
            fa, fb = ga.get(field_name) or {}, gb.get(field_name) or {}
            if not fa and not fb:
                continue
            metrics = (
                [("accuracy", fa.get("accuracy"), fb.get("accuracy"))]
                if field_name == "tone"
                else [("aligned", fa.get("share"), fb.get("share"))]
                if field_name == "evidence"
                else [
                    ("recall", fa.get("recall"), fb.get("recall")),
                    (
                        "precision",
                        (fa.get("prf") or {}).get("precision"),
                        (fb.get("prf") or {}).get("precision"),
                    ),
                    ("f1", (fa.get("prf") or {}).get("f1"), (fb.get("prf") or {}).get("f1")),
                ]
            )
            for metric, va, vb in metrics:
                if va is not None or vb is not None:
                    rows.append((group, field_name, metric, va, vb))
    return rows


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
