"""Briefs from recorded responses of the embedded model, replayed through litellm and instructor:
the requests the embedded model gets (its passes one by one, its grammar), matched on their bodies.

Re-record with: rm -rf tests/integration/cassettes && pytest tests/integration --record-mode=once
(that loads the embedded model and serves it on loopback, as in production).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from summarizer import TONE_MAP, Brief, Settings, Summarizer
from summarizer._cli import app
from summarizer.schemas import output_json_schema
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
    assert brief.agenda_items and len(brief.commitments) >= 2
    assert TONE_MAP[brief.tone.label] == "cooperative"
    assert brief.meta is not None
    assert brief.meta.model == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert brief.meta.prompt_tokens > 1000 and brief.meta.completion_tokens > 100
    assert brief.meta.grounding == 1.0
    # Every item's evidence is the source's own words, placed by the library, tone included.
    for item in [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]:
        assert item.grounded and item.span is not None and item.span.tier == "exact"
        assert seed_text[item.span.start : item.span.end] == item.evidence
    for p in brief.participants:
        assert p.name in p.evidence  # narrowed to the name (and the title beside it)


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


@pytest.mark.vcr("test_seed_brief.yaml")
def test_the_passes_share_the_numbered_document_and_decode_compact_json(
    recorded_api_base: str, seed_text: str, vcr: Any
) -> None:
    Summarizer(_settings(recorded_api_base)).summarize(seed_text)
    bodies = [json.loads(r.body) for r in vcr.requests]
    firsts = [b for b in bodies if len(b["messages"]) == 2]  # re-asks add messages after these
    assert len(firsts) == 4
    assert all(b["messages"][0] == firsts[0]["messages"][0] for b in bodies)  # one system prompt
    users = [b["messages"][1]["content"] for b in firsts]
    prefix = users[0].split("Task:")[0]
    assert prefix.startswith("Document:\n[1] ISLAMABAD") and all(u.startswith(prefix) for u in users)
    # The embedded model gets a grammar that allows no free whitespace, not a response_format.
    assert all("response_format" not in b and "whitespace_flexible" in b["grammar"] for b in bodies)


@pytest.mark.vcr
def test_long_document_is_briefed_in_parts(recorded_api_base: str, seed_text: str, vcr: Any) -> None:
    settings = Settings(model=RECORDED_MODEL, api_base=recorded_api_base, chunk_tokens=500)
    brief = Summarizer(settings).summarize(seed_text)
    assert brief.meta.chunks >= 2
    sent = {json.loads(r.body)["messages"][1]["content"].split("\n\nTask:")[0] for r in vcr.requests}
    assert len(sent) == brief.meta.chunks and all(len(p) < len(seed_text) for p in sent)
    names = [p.name for p in brief.participants]
    assert len(names) == len(set(names)) and len(set(names) & SEED_PEOPLE) >= 2
    items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
    for item in items:
        assert item.span is not None and seed_text[item.span.start : item.span.end] == item.evidence
    assert max(i.span.start for i in items if i.span) > len(seed_text) // 2  # some from the second part
    assert TONE_MAP[brief.tone.label] == "cooperative"
