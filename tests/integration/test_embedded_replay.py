"""Briefs from recorded responses of the embedded model, replayed through litellm and instructor.

Re-record with: rm -rf tests/integration/cassettes && pytest tests/integration --record-mode=once
(that loads the embedded model and serves it on loopback, as in production).
"""

from __future__ import annotations

import json

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
    return Settings(model=RECORDED_MODEL, api_base=api_base, mode="json_schema")


def _check_seed(brief: Brief, seed_text: str) -> None:
    names = {p.name for p in brief.participants}
    assert len(names & SEED_PEOPLE) >= 2, names
    assert brief.agenda_items and brief.tone.evidence
    assert all(p.evidence and p.name in seed_text for p in brief.participants)
    assert TONE_MAP[brief.tone.label] == "cooperative"
    assert brief.meta is not None
    assert brief.meta.model == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert brief.meta.prompt_tokens > 1000 and brief.meta.completion_tokens > 100
    assert brief.meta.retries == 0
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
        f.write(f'api_base = "{recorded_api_base}"\nmode = "json_schema"\n')
    result = runner.invoke(
        app, ["brief", str(SEED), "--format", "json", "--model", RECORDED_MODEL, "--config", "replay.toml"]
    )
    assert result.exit_code == 0, result.stderr
    brief = json.loads(result.stdout)
    jsonschema.validate(brief, output_json_schema(Brief))
    assert len({p["name"] for p in brief["participants"]} & SEED_PEOPLE) >= 2
