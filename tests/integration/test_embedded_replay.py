"""Briefs from recorded responses of the embedded model, replayed through litellm and instructor.

Re-record with: rm -rf tests/integration/cassettes && pytest tests/integration --record-mode=once
(that loads the embedded model and serves it on loopback, as in production).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from summarizer import Brief, Settings, Summarizer
from summarizer.cli import app
from summarizer.schemas import TONE_MAP, output_json_schema
from tests.conftest import RECORDED_MODEL, SEED

SEED_PEOPLE = {"John Bass", "Amna Baloch", "Mohammad Ishaq Dar"}
THREAT = (
    "The Azerbaijani parliament threatened on Monday to break relations with Russia unless the Kremlin"
    " closed its radar base in the republic."
)


def _settings(api_base: str) -> Settings:
    return Settings(model=RECORDED_MODEL, api_base=api_base)


def _check_seed(brief: Brief, seed_text: str) -> None:
    names = {p.name for p in brief.participants}
    assert len(names & SEED_PEOPLE) >= 2, names
    assert brief.agenda_items and brief.tone.evidence
    assert all(p.evidence and p.name in seed_text for p in brief.participants)
    assert TONE_MAP[brief.tone.label] == "cooperative"
    assert brief.meta is not None
    assert brief.meta.model == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert brief.meta.prompt_tokens > 1000 and brief.meta.completion_tokens > 100
    assert brief.meta.grounding is not None and 0 < brief.meta.grounding <= 1
    for item in [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]:
        assert item.grounded is (item.span is not None)
        if item.span is not None:
            assert item.span.tier == "exact" or item.span.score >= 90


@pytest.mark.vcr
def test_seed_brief(recorded_api_base: str, seed_text: str) -> None:
    _check_seed(Summarizer(_settings(recorded_api_base)).summarize(seed_text), seed_text)


@pytest.mark.vcr("test_seed_brief.yaml")
async def test_seed_brief_async(recorded_api_base: str, seed_text: str) -> None:
    _check_seed(await Summarizer(_settings(recorded_api_base)).asummarize(seed_text), seed_text)


@pytest.mark.vcr
def test_threat_is_conflictual(recorded_api_base: str) -> None:
    brief = Summarizer(_settings(recorded_api_base)).summarize(THREAT)
    assert TONE_MAP[brief.tone.label] == "conflictual"
    assert any("Russia" in (p.name + (p.affiliation or "")) for p in brief.participants)


@pytest.mark.vcr("test_seed_brief.yaml")
def test_cli_json_validates_against_the_printed_schema(recorded_api_base: str) -> None:
    runner = CliRunner()
    with open("replay.toml", "w", encoding="utf-8") as f:
        f.write(f'api_base = "{recorded_api_base}"\n')
    result = runner.invoke(
        app, ["brief", str(SEED), "--format", "json", "--model", RECORDED_MODEL, "--config", "replay.toml"]
    )
    assert result.exit_code == 0, result.stderr
    brief = json.loads(result.stdout)
    jsonschema.validate(brief, output_json_schema(Brief))
    assert len({p["name"] for p in brief["participants"]} & SEED_PEOPLE) >= 2


REASK_CASE = json.loads((Path(__file__).parent / "data" / "reask_case.jsonl").read_text(encoding="utf-8"))


@pytest.mark.vcr
def test_reask_fixes_an_unfound_quote(recorded_api_base: str, vcr: Any) -> None:
    text = REASK_CASE["text"]
    brief = Summarizer(_settings(recorded_api_base)).summarize(text)
    # The model's first answer quoted words the document does not hold; the re-ask named the
    # quote and the nearest passage, and the second answer quoted the document.
    first, second = (json.loads(r.body) for r in vcr.requests)
    reask = second["messages"][-1]["content"]
    assert "is not in the document: copy the words exactly as written; the nearest passage is" in reask
    unfound = reask.split('", "', 1)[1].split('", is not in the document')[0]
    assert unfound not in text
    assert brief.meta.retries == 1 and brief.meta.grounding == 1.0
    for item in [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]:
        assert item.span is not None
        assert item.span.tier != "exact" or text[item.span.start : item.span.end] == item.evidence
    assert first["messages"] == second["messages"][: len(first["messages"])]


@pytest.mark.vcr
def test_long_document_is_briefed_in_parts(recorded_api_base: str, seed_text: str, vcr: Any) -> None:
    settings = Settings(model=RECORDED_MODEL, api_base=recorded_api_base, chunk_tokens=500)
    brief = Summarizer(settings).summarize(seed_text)
    assert brief.meta.chunks == 2
    sent = [json.loads(r.body)["messages"][1]["content"] for r in vcr.requests]
    parts = {m for m in sent}
    assert len(parts) == 2 and all(len(p) < len(seed_text) for p in parts)
    names = [p.name for p in brief.participants]
    assert len(names) == len(set(names)) and len(set(names) & SEED_PEOPLE) >= 2
    spans = [i.span for i in [*brief.participants, *brief.agenda_items, *brief.commitments] if i.span]
    for item in [*brief.participants, *brief.agenda_items, *brief.commitments]:
        if item.span is not None and item.span.tier == "exact":
            assert seed_text[item.span.start : item.span.end] == item.evidence  # offsets into the whole
    assert max(s.start for s in spans) > len(seed_text) // 2  # some evidence came from the second part
    assert TONE_MAP[brief.tone.label] == "cooperative"
