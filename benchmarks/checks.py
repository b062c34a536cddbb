"""Benchmark of the library's own work around the model, no model: numbering, checks, assembly.

    python benchmarks/checks.py [--runs 5] [--out benchmarks/results/checks.json]

For each document of the recorded eval subset (the seed, PLOVER, RAMS and FRUS cases), and for all
of them joined three times (about 20,000 characters, one part of a long document), times the split
into numbered sentences (``Numbered(text).rendered``), each pass's checks on a non-final attempt
(the problems found, the re-ask raised) and on the last one (the fixes, and the restoring of items
of an earlier answer), and ``passes.assemble`` of the last answers. The answers come from the
document: 8 participants named by capitalised words of its sentences, one named nowhere; 6 topics,
phrases of its sentences, one citing a sentence past the end; 6 commitments whose action follows a
cue word ("agreed", "may"), one under a party named nowhere; an overview citing a sentence past the
end. Every third item cites the wrong sentence. The earlier answer holds 11 participants, 8 topics
and 8 commitments. Reports median milliseconds over --runs runs after a warm-up call, the alignment
cache cleared before each run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from summarizer._alignment import normalized
from summarizer._checks import CUES, Request, find_problems
from summarizer._numbered import Numbered
from summarizer._passes import assemble
from summarizer.schemas.passes import Agenda, Commitments, Overview, Participants, Person, Topic, Undertaking

ROOT = Path(__file__).resolve().parent.parent
SUBSET = ROOT / "tests" / "integration" / "data" / "eval_subset.jsonl"
CAPITALISED = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*")
T = TypeVar("T")


def words(doc: Numbered, n: int, start: int, count: int) -> str:
    """``count`` words of sentence ``n`` from word ``start``, without their punctuation."""
    found = [w.strip(",.;:!?\"'()[]") for w in doc.sentence(n).text.split()]
    return " ".join(w for w in found[start : start + count] if w)


def spread(items: list[T], count: int) -> list[T]:
    """``count`` of ``items`` spread evenly from the first, repeating some when there are fewer."""
    return [items[i * len(items) // count] for i in range(count)]


def cite(doc: Numbered, n: int, i: int) -> list[int]:
    """Sentence ``n``; for every third item the next one, a wrong citation."""
    return [n % len(doc) + 1] if i % 3 == 1 else [n]


def answers(doc: Numbered) -> tuple[dict[str, BaseModel], dict[str, BaseModel]]:
    """Each pass's answer, and an earlier answer with a few more items, built from ``doc``."""
    names: dict[str, int] = {}
    for n, s in enumerate(doc.sentences, 1):
        for m in CAPITALISED.finditer(s.text):
            names.setdefault(m.group()[:80], n)
    people = [
        Person(name=name, title="", side="", kind="person", role="participant", evidence=cite(doc, n, i))
        for i, (name, n) in enumerate(spread(list(names.items()), 11))
    ]
    nowhere = Person(name="Zebulon Quarrington", title="", side="", kind="person", role="guest", evidence=[1])
    topics = [
        Topic(topic=words(doc, n, len(doc.sentence(n).text.split()) // 3, 3)[:50], evidence=cite(doc, n, i))
        for i, n in enumerate(spread(list(range(1, len(doc) + 1)), 8))
    ]
    beyond = Topic(topic="the weather", evidence=[len(doc) + 1])
    stating = [n for n, s in enumerate(doc.sentences, 1) if CUES.search(s.text)] or [1]
    pledges = []
    for i, n in enumerate(spread(stating, 8)):
        cue = CUES.search(doc.sentence(n).text)
        after = len(doc.sentence(n).text[: cue.end()].split()) if cue else 0
        action = words(doc, n, after, 5) or words(doc, n, 0, 5)
        firmness = ("firm", "expected", "possible")[i % 3]
        actor = spread(list(names), 8)[i]
        pledges.append(Undertaking(actor=actor, action=action, firmness=firmness, evidence=cite(doc, n, i)))
    stranger = pledges[5].model_copy(update={"actor": "Ruritania"})
    overview = Overview(tone="cooperative", headline="Talks", summary="They met.", evidence=[1, len(doc) + 1])
    now: dict[str, BaseModel] = {
        "participants": Participants(people=[*people[:7], nowhere], parties=[]),
        "agenda": Agenda(agenda=[*topics[:5], beyond]),
        "commitments": Commitments(commitments=[*pledges[:5], stranger]),
        "overview": overview,
    }
    earlier: dict[str, BaseModel] = {
        "participants": Participants(people=people, parties=[]),
        "agenda": Agenda(agenda=topics),
        "commitments": Commitments(commitments=pledges),
        "overview": overview,
    }
    return now, earlier


def median_ms(make: Callable[[], T], work: Callable[[T], object], runs: int) -> float:
    """Median milliseconds of ``work(make())`` over ``runs`` runs after a warm-up; ``make`` is not timed."""
    work(make())
    times = []
    for _ in range(runs):
        arg = make()
        normalized.cache_clear()
        started = time.perf_counter()
        work(arg)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def time_pass(doc: Numbered, answer: BaseModel, earlier: BaseModel, runs: int) -> dict[str, Any]:
    """One pass's checks on a non-final attempt (raising the re-ask) and on the last (fixing, restoring)."""

    def ask(a: BaseModel) -> None:
        with contextlib.suppress(ValueError):
            Request(doc, last_attempt=lambda: False).check(a)

    def last(a: BaseModel) -> BaseModel:
        return Request(doc, earlier=[earlier]).check(a)

    return {
        "problems": len(list(find_problems(answer, doc))),
        "ask_ms": median_ms(lambda: answer, ask, runs),
        "last_ms": median_ms(lambda: answer.model_copy(deep=True), last, runs),
    }


def measure(text: str, runs: int) -> dict[str, Any]:
    doc = Numbered(text)
    now, earlier = answers(doc)
    row: dict[str, Any] = {"chars": len(text), "sentences": len(doc)}
    row["split_ms"] = median_ms(lambda: text, lambda t: Numbered(t).rendered, runs)
    final: dict[str, BaseModel] = {}
    for name, answer in now.items():
        row[name] = time_pass(doc, answer, earlier[name], runs)
        final[name] = Request(doc, earlier=[earlier[name]]).check(answer.model_copy(deep=True))
    row["assemble_ms"] = median_ms(lambda: final, lambda f: assemble(f, doc), runs)
    return row


def line(cells: list[Any]) -> str:
    """One row of the table: the document's name left-aligned, the numbers right-aligned."""
    widths = (6, 5, 6, 14, 14, 14, 14, 9)
    return f"{cells[0]:<24} " + " ".join(f"{c:>{w}}" for c, w in zip(cells[1:], widths, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "checks.json")
    args = parser.parse_args()

    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    results: dict[str, Any] = {"machine": machine, "runs": args.runs, "documents": {}}
    docs = {c["id"][:24]: c["text"] for c in map(json.loads, SUBSET.read_text(encoding="utf-8").splitlines())}
    docs["all of them, 3 times"] = "\n\n".join(list(docs.values()) * 3)
    passes = ("participants", "agenda", "commitments", "overview")
    print(f"median ms over {args.runs} runs; a pass: non-final attempt / last attempt")
    print(line(["document", "chars", "sents", "split", *passes, "assemble"]))
    for name, text in docs.items():
        row = results["documents"][name] = measure(text, args.runs)
        checks = [f"{row[p]['ask_ms']:.2f} / {row[p]['last_ms']:.2f}" for p in passes]
        cells = [name, row["chars"], row["sentences"], f"{row['split_ms']:.2f}", *checks]
        print(line([*cells, f"{row['assemble_ms']:.2f}"]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
