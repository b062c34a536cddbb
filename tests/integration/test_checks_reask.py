"""Validation re-asks and grounding against an OpenAI-compatible stub on loopback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer import InputError, OutputValidationError, Settings, Summarizer
from tests.stub_server import STUB_BRIEF, StubServer


def _settings(stub: StubServer, **extra: object) -> Settings:
    return Settings(model="openai/stub-model", api_base=stub.api_base, api_key_env="STUB_KEY", **extra)


@pytest.fixture(autouse=True)
def stub_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "stub-key-0123456789")


def _flawed() -> dict[str, Any]:
    data = copy.deepcopy(STUB_BRIEF)
    data["participants"][1] |= {"name": "Foreign Secretary Amna Baloch", "title": ""}
    data["commitments"][0] |= {"firmness": "possible"}
    data["agenda_items"][0] |= {"evidence": "a free trade agreement was signed"}
    return data


def test_reask_names_each_problem_and_the_fixed_answer_is_kept(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.answers = [_flawed()]
    brief = Summarizer(_settings(stub)).summarize(seed_text)
    assert len(stub.requests) == 2
    reask = json.dumps(stub.requests[1]["body"]["messages"][-1])
    assert '\\"a free trade agreement was signed\\", is not in the document' in reask
    assert 'contains the title \\"Foreign Secretary\\"' in reask
    assert 'so its firmness is \\"firm\\", not \\"possible\\"' in reask
    assert brief.meta.retries == 1 and brief.meta.repairs == []
    assert brief.meta.grounding == 1.0


def test_after_the_last_reask_the_library_fixes_what_it_can(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.brief = _flawed()
    brief = Summarizer(_settings(stub, max_retries=1)).summarize(seed_text)
    assert len(stub.requests) == 2
    assert (brief.participants[1].name, brief.participants[1].title) == ("Amna Baloch", "Foreign Secretary")
    assert brief.commitments[0].firmness == "firm" and brief.commitments[0].hedge == "agreed"
    assert brief.agenda_items[0].grounded is False and brief.agenda_items[0].span is None
    assert brief.meta.retries == 1 and len(brief.meta.repairs) == 2
    assert brief.meta.grounding == 0.8 and brief.meta.dropped == 0


def test_items_a_reask_drops_come_back_when_they_add_no_problem(stub: StubServer, seed_text: str) -> None:
    first = _flawed()
    dar = {
        "evidence": "Foreign Minister Mohammad Ishaq Dar",
        "name": "Mohammad Ishaq Dar",
        "title": "Deputy Prime Minister and Foreign Minister",
        "affiliation": "Pakistan",
        "kind": "person",
        "role": None,
    }
    invented = dar | {"evidence": "Dar chaired the talks", "name": "Ishaq Khan"}
    first["participants"] += [dar, invented]
    first["agenda_items"].append({"topic": "energy", "evidence": "trade, energy", "summary": "Energy."})
    # The re-ask's answer fixes the flaws but drops Dar and the energy item.
    stub.behaviour.answers = [first]
    brief = Summarizer(_settings(stub)).summarize(seed_text)
    assert len(stub.requests) == 2
    assert [p.name for p in brief.participants] == ["John Bass", "Amna Baloch", "Mohammad Ishaq Dar"]
    assert [a.topic for a in brief.agenda_items] == ["trade", "energy"]
    assert brief.meta.repairs == [
        'participant "Mohammad Ishaq Dar" was dropped by a re-ask: restored',
        'agenda item "energy" was dropped by a re-ask: restored',
    ]
    # Not put back: the invented name and quote, the flawed items the re-ask fixed (duplicates now).
    assert len(brief.commitments) == 1 and brief.meta.grounding == 1.0


def test_strict_grounding_drops_what_stays_unfound(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.brief = _flawed()
    brief = Summarizer(_settings(stub, max_retries=0, strict_grounding=True)).summarize(seed_text)
    assert len(stub.requests) == 1
    assert brief.agenda_items == []
    assert brief.meta.dropped == 1 and brief.meta.grounding == 0.8


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
    stub.behaviour.faults = {"Islamabad": ["cut_off"]}  # the first request: the whole seed
    brief = Summarizer(_settings(stub, max_retries=0)).summarize(seed_text)
    documents = [json.dumps(r["body"]["messages"]) for r in stub.requests]
    assert len(documents) == 1 + brief.meta.chunks and brief.meta.chunks in (2, 3)
    assert all(len(d) < len(documents[0]) for d in documents[1:])
    assert brief.meta.repairs[0].startswith(f"characters 0-{len(seed_text)}: the model's output was cut off")
    assert brief.meta.repairs[0].endswith(f"briefed in {brief.meta.chunks} smaller parts")
    spans = [p.span for p in brief.participants if p.span]
    assert spans and all(seed_text[s.start : s.end] for s in spans)  # offsets point into the whole seed
    assert {p.name for p in brief.participants} == {"John Bass", "Amna Baloch"}


def test_a_brief_cut_off_at_every_size_is_an_error(stub: StubServer, seed_text: str) -> None:
    stub.behaviour.faults = {"": ["cut_off"] * 50}
    with pytest.raises(OutputValidationError, match="cut off at max_tokens=2048") as caught:
        Summarizer(_settings(stub, max_retries=0)).summarize(seed_text)
    assert caught.value.cut_off
    assert 3 <= len(stub.requests) <= 1 + 3 + 9  # halved twice at most, then the error
