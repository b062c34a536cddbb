"""The checks of each pass, their re-asks and the library's fixes, against an OpenAI-compatible
stub on loopback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer import AgendaItem, InputError, OutputValidationError, Settings, Summarizer
from tests.stub_server import STUB_PASSES, StubServer


def _settings(stub: StubServer, **extra: object) -> Settings:
    return Settings(model="openai/stub-model", api_base=stub.api_base, api_key_env="STUB_KEY", **extra)


@pytest.fixture(autouse=True)
def stub_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "stub-key-0123456789")


DAR = {
    "name": "Mohammad Ishaq Dar",
    "title": "Deputy Prime Minister and Foreign Minister",
    "side": "Pakistan",
    "role": "host",
    "evidence": [4],
}


def _people(*extra: dict[str, Any], baloch: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = copy.deepcopy(STUB_PASSES["participants"])
    answer["people"][1] |= baloch or {}
    answer["people"] += extra
    return answer


def _reasks(stub: StubServer) -> list[str]:
    """The re-ask messages the stub received."""
    return [
        r["body"]["messages"][-1]["content"]
        for r in stub.requests
        if r["body"]["messages"][-1]["content"].startswith("Recall the function")
        or "Fix these problems" in json.dumps(r["body"]["messages"][-1])
    ]


def test_a_reask_names_each_problem_and_the_fixed_answer_is_kept(stub: StubServer, seed_text: str) -> None:
    invented = DAR | {"name": "Ishaq Khan"}
    stray = DAR | {"evidence": [99]}
    stub.behaviour.pass_answers = {"participants": [_people(invented, stray)]}
    brief = Summarizer(_settings(stub)).summarize(seed_text)
    assert len(stub.requests) == 5  # four passes, one re-asked once
    (reask,) = _reasks(stub)
    assert 'participant \\"Ishaq Khan\\" is not named in the document' in json.dumps(reask)
    assert "cites sentence 99, but the sentences are numbered 1 to 22" in reask
    assert [p.name for p in brief.participants] == ["John Bass", "Amna Baloch"]
    assert brief.meta.retries == 1 and brief.meta.grounding == 1.0


def test_after_the_last_reask_the_library_fixes_what_it_can(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.passes["participants"] = _people(
        DAR | {"name": "Ishaq Khan"}, baloch={"name": "Foreign Secretary Amna Baloch", "title": ""}
    )
    brief = Summarizer(_settings(stub, max_retries=1)).summarize(seed_text)
    assert len(stub.requests) == 5
    assert [(p.name, p.title) for p in brief.participants] == [
        ("John Bass", "Acting Under Secretary of State for Political Affairs"),
        ("Amna Baloch", "Foreign Secretary"),
    ]
    assert brief.participants[1].evidence == "Foreign Secretary Amna Baloch"
    assert brief.commitments[0].firmness == "firm" and brief.commitments[0].hedge == "agreed"
    repairs = brief.meta.repairs
    assert any('participants: participant "Ishaq Khan" is not named in the document' in r for r in repairs)
    assert any('the title "Foreign Secretary" moved out of the name' in r for r in repairs)
    assert brief.meta.retries == 1 and brief.meta.grounding == 1.0


def test_items_a_reask_drops_come_back_when_they_add_no_problem(stub: StubServer, seed_text: str) -> None:
    # The first answer lists Dar and an invented person; the re-ask's answer drops both.
    stub.behaviour.pass_answers = {"participants": [_people(DAR, DAR | {"name": "Ishaq Khan"})]}
    brief = Summarizer(_settings(stub)).summarize(seed_text)
    assert len(stub.requests) == 5
    assert [p.name for p in brief.participants] == ["John Bass", "Amna Baloch", "Mohammad Ishaq Dar"]
    assert (
        'participants: participant "Mohammad Ishaq Dar" was dropped by a re-ask: restored'
        in brief.meta.repairs
    )
    assert brief.participants[2].evidence == "Deputy Prime Minister and Foreign Minister Mohammad Ishaq Dar"


class Topics(BaseModel):
    topics: list[AgendaItem]


def test_strict_grounding_drops_the_quotes_of_a_custom_schema_that_are_not_found(
    stub: StubServer, seed_text: str
) -> None:
    quotes = [
        {"topic": "ties", "evidence": "both sides agreed"},
        {"topic": "trade", "evidence": "a deal was signed"},
    ]
    stub.behaviour.brief = {"topics": quotes}
    kept = Summarizer(_settings(stub, cache=False)).summarize(seed_text, schema=Topics)
    assert [(t.evidence, t.grounded) for t in kept.topics] == [
        ("both sides agreed", True),
        ("a deal was signed", False),
    ]
    assert kept.topics[0].span is not None and seed_text[kept.topics[0].span.start :].startswith(
        "both sides agreed"
    )
    dropped = Summarizer(_settings(stub, cache=False, strict_grounding=True)).summarize(
        seed_text, schema=Topics
    )
    assert [t.evidence for t in dropped.topics] == ["both sides agreed"]


class Note(BaseModel):
    topic: str


def test_a_custom_schema_cannot_be_merged_so_a_long_document_is_refused(stub: StubServer) -> None:
    text = "The delegates discussed fishing rights at length. " * 20_000
    with pytest.raises(InputError, match="over the model's 128,000-token context"):
        Summarizer(
            Settings(model="openai/gpt-4o-mini", api_base=stub.api_base, api_key_env="STUB_KEY")
        ).summarize(text, schema=Note)
    assert stub.requests == []


def test_a_part_cut_off_at_max_tokens_is_briefed_in_smaller_parts(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.faults = {"Islamabad": ["cut_off"]}  # one pass of the whole seed
    brief = Summarizer(_settings(stub, max_retries=0)).summarize(seed_text)
    documents = [r["body"]["messages"][-1]["content"] for r in stub.requests]
    # The whole seed's first stage (participants, agenda, overview: the cut-off ends the part
    # before its commitments), then each smaller part's four passes.
    assert len(documents) == 3 + 4 * brief.meta.chunks and brief.meta.chunks in (2, 3)
    assert all(len(d) < len(documents[0]) for d in documents[3:])
    assert brief.meta.repairs[0].startswith(f"characters 0-{len(seed_text)}: the model's output was cut off")
    assert brief.meta.repairs[0].endswith(f"briefed in {brief.meta.chunks} smaller parts")
    assert all(p.span and seed_text[p.span.start : p.span.end] == p.evidence for p in brief.participants)
    assert {p.name for p in brief.participants} == {"John Bass", "Amna Baloch"}


def test_a_brief_cut_off_at_every_size_is_an_error(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.faults = {"": ["cut_off"] * 200}
    with pytest.raises(OutputValidationError, match="cut off at max_tokens=2048") as caught:
        Summarizer(_settings(stub, max_retries=0)).summarize(seed_text)
    assert caught.value.cut_off
    # Each part's first stage (the cut-off ends it before commitments), halved twice at most:
    # 1 + 2 + 4 parts, if each had words of undertaking.
    assert 3 * (1 + 2) <= len(stub.requests) <= 3 * (1 + 2 + 4)
