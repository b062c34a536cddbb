from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import TONE_MAP
from summarizer._scoring import (
    aggregate,
    brief_of_line,
    match_strength,
    read_prediction,
    score_agenda,
    score_case,
    score_commitments,
    score_participants,
    tone_class,
)

DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev"
SUBSET = Path(__file__).resolve().parents[1] / "integration" / "data" / "eval_subset.jsonl"


def _case(**gold: Any) -> dict[str, Any]:
    scoring = gold.pop("scoring", {})
    return {"id": "test-1", "gold": gold, "scoring": scoring}


def test_match_strengths() -> None:
    assert match_strength(["john", "bass"], ["john", "bass"], []) == 3
    assert match_strength(["security", "council"], ["un", "security", "council"], []) == 2
    assert match_strength(["bass"], ["john", "bass"], []) == 1
    assert match_strength(["davies"], ["suzy", "davies"], ["davies"]) == 0  # another gold Davies
    assert match_strength(["smith"], ["john", "bass"], []) == 0


def test_surname_matching_and_one_to_one() -> None:
    count, matches = score_participants(["Bass", "Under Secretary Bass", "Dar"], ["John Bass", "Ishaq Dar"])
    assert (count.matched_gold, count.pred, count.gold) == (2, 3, 2)
    assert sorted(matches) == [(0, 0), (2, 1)]  # the second "Bass" finds the gold taken


def test_ambiguous_surname_matches_neither() -> None:
    count, _ = score_participants(["Davies"], ["Suzy Davies", "Steve Davies"])
    assert count.matched_gold == 0


def test_commitment_needs_actor_alias_and_shared_content_word() -> None:
    gold = [{"actor": "Jordan and Britain", "action": "agreed to expand trade links"}]
    people = [
        {"name": "Jordan", "affiliation": "Jordan"},
        {"name": "Britain", "affiliation": "United Kingdom"},
    ]
    assert score_commitments([("United Kingdom", "expand trade")], gold, people)[0].matched_gold == 1
    assert score_commitments([("United Kingdom", "agreed to talk")], gold, people)[0].matched_gold == 0
    assert score_commitments([("France", "expand trade")], gold, people)[0].matched_gold == 0


def test_agenda_coverage_is_not_one_to_one() -> None:
    count, _ = score_agenda(["trade and energy cooperation"], ["trade", "energy", "climate change"])
    assert (count.matched_gold, count.matched_pred) == (2, 1)


def test_recall_only_fields_report_no_precision() -> None:
    case = _case(participants=[{"name": "Hungarian"}], scoring={"participants": "recall"})
    report = aggregate([score_case(case, {"participants": [{"name": "Hungarian officials"}]}, TONE_MAP)])
    part = report["ALL"]["participants"]
    assert part["recall"] == 1.0
    assert "prf" not in part


def test_prf_fields_report_precision_and_f1() -> None:
    case = _case(
        participants=[{"name": "John Bass"}, {"name": "Amna Baloch"}], scoring={"participants": "prf"}
    )
    brief = {"participants": ["John Bass", "Pakistan", "United States"]}
    prf = aggregate([score_case(case, brief, TONE_MAP)])["ALL"]["participants"]["prf"]
    assert prf["precision"] == pytest.approx(1 / 3)
    assert prf["recall"] == 0.5
    assert prf["f1"] == pytest.approx(0.4)


def test_tone_mapping() -> None:
    assert tone_class("cordial", TONE_MAP) == "cooperative"
    assert tone_class("Hostile", TONE_MAP) == "conflictual"
    assert tone_class("matter_of_fact", {}) == "neutral"
    assert tone_class("Co-Operative", {}) == "cooperative"
    assert tone_class("bananas", TONE_MAP) is None
    case = _case(tone="conflictual")
    assert (
        aggregate([score_case(case, {"tone": {"label": "tense"}}, TONE_MAP)])["ALL"]["tone"]["accuracy"]
        == 1.0
    )
    assert aggregate([score_case(case, {}, TONE_MAP)])["ALL"]["tone"]["accuracy"] == 0.0


def test_predictions_are_read_liberally() -> None:
    line = {
        "id": "x",
        "output": json.dumps({"people": [{"full_name": "A"}], "topics": ["t"], "sentiment": "positive"}),
    }
    pred = read_prediction(brief_of_line(line))
    assert (pred.participants, pred.agenda, pred.tone) == (["A"], ["t"], "positive")
    assert read_prediction({"action_items": ["do it"]}).commitments == [("", "do it")]


def _dev_cases() -> list[dict[str, Any]]:
    """The fixed subset shipped with the tests, plus the whole development set where it is present."""
    files = [SUBSET, *sorted(DEV.glob("*.jsonl"))] if DEV.is_dir() else [SUBSET]
    return [json.loads(line) for f in files for line in f.open(encoding="utf-8")]


def _gold_as_brief(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case["gold"].items() if k in {"participants", "agenda", "commitments", "tone"}}


def test_gold_scored_against_itself_is_perfect() -> None:
    report = aggregate([score_case(c, _gold_as_brief(c), TONE_MAP) for c in _dev_cases()])
    for group in report.values():
        for name in ("participants", "commitments", "agenda"):
            if name in group:
                assert group[name]["recall"] == 1.0
                if "prf" in group[name]:
                    assert group[name]["prf"]["f1"] == 1.0
        if "tone" in group:
            assert group["tone"]["accuracy"] == 1.0


def test_empty_prediction_has_zero_recall() -> None:
    report = aggregate([score_case(c, {}, TONE_MAP) for c in _dev_cases()])["ALL"]
    assert (
        report["participants"]["recall"]
        == report["commitments"]["recall"]
        == report["agenda"]["recall"]
        == 0.0
    )
    assert report["tone"]["accuracy"] == 0.0
