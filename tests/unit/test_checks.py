from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.checks import canonical_affiliation, find_problems, hedge_words, is_reference_code
from summarizer.prompts import load_prompt
from summarizer.schemas import Brief
from tests.conftest import SEED
from tests.stub_server import STUB_BRIEF

SOURCE = SEED.read_text(encoding="utf-8")


def _data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(STUB_BRIEF)
    data.update(changes)
    return data


def _validate(data: dict[str, Any], *, last: bool = False, repairs: list[str] | None = None) -> Brief:
    context = {
        "source": SOURCE,
        "is_last_attempt": lambda: last,
        "repairs": repairs if repairs is not None else [],
    }
    return Brief.model_validate(data, context=context)


def _messages(data: dict[str, Any]) -> list[str]:
    return [p.message for p in find_problems(Brief.model_validate(data), SOURCE)]


def test_a_good_brief_passes_and_saved_briefs_are_not_checked() -> None:
    assert _messages(_data()) == []
    bad = _data()
    bad["tone"] = {**bad["tone"], "evidence": "words that are nowhere"}
    Brief.model_validate(bad)  # no source in the context: read back as it was written


def test_unaligned_evidence_is_re_asked_naming_the_quote() -> None:
    data = _data()
    data["agenda_items"] = [
        {"topic": "trade", "evidence": "a free trade agreement was signed", "summary": "x"}
    ]
    with pytest.raises(ValidationError) as err:
        _validate(data)
    assert (
        'the evidence of agenda item "trade", "a free trade agreement was signed", is not in the document'
        in str(err.value)
    )


def test_title_in_name_is_stripped_without_a_reask() -> None:
    data = _data()
    data["participants"][1] = {
        **data["participants"][1],
        "name": "Foreign Secretary Amna Baloch",
        "title": "",
    }
    assert _messages(data) == [
        'participant "Foreign Secretary Amna Baloch": the name contains the title "Foreign Secretary";'
        ' put it in "title" and write only the name'
    ]
    repairs: list[str] = []
    brief = _validate(data, repairs=repairs)  # minor: fixed at once, no re-ask
    assert (brief.participants[1].name, brief.participants[1].title) == ("Amna Baloch", "Foreign Secretary")
    assert len(repairs) == 1 and "Foreign Secretary" in repairs[0]


@pytest.mark.parametrize(
    ("name", "title"),
    [("Foreign Secretary", "Foreign Secretary"), ("Vice President", ""), ("top U.S. official", "")],
)
def test_a_person_named_only_by_title_is_left_alone(name: str, title: str) -> None:
    data = _data()
    data["participants"][1] = {**data["participants"][1], "name": name, "title": title}
    assert not [m for m in _messages(data) if "contains the title" in m]
    assert _validate(data, last=True).participants[1].name == name


def test_an_honorific_with_a_dot_is_stripped_and_the_title_kept() -> None:
    data = _data()
    data["participants"][0] = {**data["participants"][0], "name": "Mr. John Bass"}
    brief = _validate(data, last=True)
    title = data["participants"][0]["title"]
    assert (brief.participants[0].name, brief.participants[0].title) == ("John Bass", title)


def test_name_must_be_in_the_source() -> None:
    data = _data()
    data["participants"][1] = {**data["participants"][1], "name": "Amina Balochistani"}
    assert any("is not named in the document" in m for m in _messages(data))


def test_duplicates_by_surname_and_title_are_merged() -> None:
    data = _data()
    data["participants"].append(
        {**data["participants"][1], "name": "Baloch", "role": None, "affiliation": ""}
    )
    assert _messages(data) == ['participants "Amna Baloch" and "Baloch" are the same person: list them once']
    brief = _validate(data, last=True)
    assert [p.name for p in brief.participants] == ["John Bass", "Amna Baloch"]
    assert brief.participants[1].affiliation == "Pakistan"


def test_different_people_with_one_surname_are_kept() -> None:
    data = _data()
    data["participants"].append({**data["participants"][1], "name": "Sara Baloch", "title": "Ambassador"})
    assert not any("same person" in m for m in _messages(data))


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("U.S.", "United States"),
        ("the US", "United States"),
        ("Washington", "United States"),
        ("American", "United States"),
        ("Pakistani", "Pakistan"),
        ("Ministry of Fisheries", "Ministry of Fisheries"),
    ],
)
def test_affiliations_are_normalised_without_a_re_ask(written: str, canonical: str) -> None:
    assert canonical_affiliation(written) == canonical
    data = _data()
    data["participants"][0] = {**data["participants"][0], "affiliation": written}
    assert _validate(data).participants[0].affiliation == canonical


def test_actor_must_be_a_party_named_in_the_text() -> None:
    data = _data()
    data["commitments"][0] = {**data["commitments"][0], "actor": "NATO"}
    assert any('the actor "NATO" is not a party named in the document' in m for m in _messages(data))
    for actor in ("both sides", "Pakistan and the United States", "U.S.", "Amna Baloch"):
        data["commitments"][0] = {**data["commitments"][0], "actor": actor}
        assert not any("actor" in m for m in _messages(data)), actor


@pytest.mark.parametrize(
    ("evidence", "cues"),
    [
        ("both sides agreed to strengthen ties", ["agreed"]),
        ("Washington may explore various avenues", ["may", "explore"]),
        ("the talks held in May were expected to resume", ["expected to"]),
        ("France will likely fund a study", ["will likely"]),
        ("ties between the two countries", []),
    ],
)
def test_hedge_words(evidence: str, cues: list[str]) -> None:
    assert hedge_words(evidence) == cues


def test_firmness_must_agree_with_the_modal_words() -> None:
    data = _data()
    data["commitments"][0] = {**data["commitments"][0], "firmness": "possible"}
    assert _messages(data) == [
        'commitment "strengthen ties and enhance cooperation": the evidence says "agreed",'
        ' so its firmness is "firm", not "possible"'
    ]
    brief = _validate(data, last=True)
    assert brief.commitments[0].firmness == "firm"
    assert brief.commitments[0].hedge == "agreed"


def test_hedge_field_records_the_cues_and_is_hidden_from_the_model() -> None:
    assert _validate(_data()).commitments[0].hedge == "agreed"
    assert "hedge" not in str(Brief.model_json_schema())


def test_agenda_restatements_and_long_labels() -> None:
    data = _data()
    data["agenda_items"] = [
        {"topic": "trade", "evidence": "including trade, energy", "summary": "x"},
        {"topic": "trade", "evidence": "trade", "summary": "y"},
        {
            "topic": "energy cooperation and many other things discussed",
            "evidence": "energy",
            "summary": "z",
        },
    ]
    messages = _messages(data)
    assert 'agenda item "trade" restates "trade": list each subject once' in messages
    assert any("is too long" in m for m in messages)
    assert [a.topic for a in _validate(data, last=True).agenda_items] == [
        "trade",
        "energy cooperation and many other things discussed",
    ]


def test_the_reask_shows_the_passage_nearest_to_an_unfound_quote() -> None:
    data = _data()
    data["tone"] = {
        **data["tone"],
        "evidence": "a renewed push towards strengthening the bilateral relationship",
    }
    (message,) = _messages(data)
    assert message.endswith(
        'the nearest passage is "a renewed drive towards strengthening bilateral relations"'
    )


def test_a_long_label_alone_causes_no_reask() -> None:
    data = _data()
    data["agenda_items"][0] = {
        **data["agenda_items"][0],
        "topic": "trade and energy and everything else besides",
    }
    assert any("is too long" in m for m in _messages(data))
    assert _validate(data).agenda_items[0].topic == "trade and energy and everything else besides"


def test_placeholders_become_empty() -> None:
    data = _data()
    data["participants"][0] |= {"title": "unknown", "affiliation": "N/A", "role": "Not stated"}
    p = _validate(data).participants[0]
    assert (p.title, p.affiliation, p.role) == ("", "", None)


def test_a_reference_code_is_not_a_participant() -> None:
    data = _data()
    data["participants"].append({**data["participants"][0], "name": "US/MC/34", "title": ""})
    assert _messages(data) == [
        'participant "US/MC/34" is a reference code, not a person or body: leave it out'
    ]
    assert [p.name for p in _validate(data, last=True).participants] == ["John Bass", "Amna Baloch"]
    for name in ("G7", "G-20", "US/UK"):
        assert not is_reference_code(name), name
    assert is_reference_code("S/RES/2334") and is_reference_code("5412")


def test_a_title_the_document_never_gives_is_cleared_without_a_reask() -> None:
    data = _data()
    data["participants"][1] = {**data["participants"][1], "title": "Ambassador"}
    assert _messages(data) == [
        'participant "Amna Baloch": the title "Ambassador" is not in the document;'
        ' leave "title" empty when the document gives none'
    ]
    repairs: list[str] = []
    brief = _validate(data, repairs=repairs)  # minor: fixed at once, no re-ask
    assert brief.participants[1].title == "" and len(repairs) == 1
    assert _validate(_data()).participants[1].title == "Foreign Secretary"


def test_one_undertaking_listed_under_two_actors_is_kept_once() -> None:
    data = _data()
    data["commitments"] = [
        {**data["commitments"][0], "actor": "Pakistan"},
        {**data["commitments"][0], "actor": "United States"},
    ]
    assert _messages(data) == [
        'commitment "strengthen ties and enhance cooperation" is listed for both Pakistan and'
        " United States with the same evidence: list it once, with the actor the evidence names"
    ]
    assert [c.actor for c in _validate(data, last=True).commitments] == ["Pakistan"]


def test_a_reask_asks_to_keep_what_was_right() -> None:
    data = _data()
    data["participants"][1] = {**data["participants"][1], "name": "Amina Balochistani"}
    with pytest.raises(ValidationError) as err:
        _validate(data)
    assert "Fix these problems and answer again, keeping every other item as it was:" in str(err.value)
    assert "input_value" not in str(err.value)  # the re-ask names the problem, not the whole answer


def test_an_item_copied_from_the_prompts_example_is_re_asked_then_dropped() -> None:
    system = load_prompt("brief").render(document=SOURCE, fields="")[0]
    assert system["role"] == "system"
    data = _data()
    data["commitments"] = [
        data["commitments"][0],
        {
            **data["commitments"][0],
            "action": "fund a port study",
            "evidence": "France will likely fund a study of the Valparaiso port expansion",
        },
    ]
    data["agenda_items"] = [{"topic": "ports", "evidence": "port investment", "summary": "x"}]
    data["tone"] = {**data["tone"], "evidence": "the two sides may explore a research partnership"}
    messages = [p.message for p in find_problems(Brief.model_validate(data), SOURCE, system["content"])]
    # Two words are a common phrase, not a copy: only "not in the document".
    assert messages[0].startswith(
        'the evidence of agenda item "ports", "port investment", is not in the document'
    )
    assert (
        'commitment "fund a port study" is copied from the example in the instructions, not taken'
        " from this document: leave it out"
    ) in messages
    assert (
        "tone is copied from the example in the instructions, not taken from this document:"
        " quote this document" in messages
    )
    repairs: list[str] = []
    context = {
        "source": SOURCE,
        "instructions": system["content"],
        "is_last_attempt": lambda: True,
        "repairs": repairs,
    }
    brief = Brief.model_validate(data, context=context)
    assert [c.action for c in brief.commitments] == [data["commitments"][0]["action"]]
    assert any("copied from the example" in r for r in repairs)


def test_items_a_reask_dropped_are_restored_only_when_they_add_no_problem() -> None:
    earlier = _data()
    commitment = earlier["commitments"][0]
    earlier["commitments"] += [
        # Lost by the re-ask, and sound: comes back.
        commitment
        | {
            "evidence": "both sides reaffirming their commitment to counter-terrorism cooperation",
            "action": "cooperate against terrorism",
        },
        # An actor the document never names: stays out.
        commitment | {"actor": "the European Union", "action": "fund trade"},
        # The kept commitment again, reworded only in its firmness: a duplicate, stays out.
        commitment | {"firmness": "expected"},
    ]
    earlier["participants"][1] |= {"name": "Foreign Secretary Amna Baloch", "title": ""}
    earlier["participants"].append(
        earlier["participants"][0] | {"name": "Deputy Prime Minister Mohammad Ishaq Dar", "title": ""}
    )
    repairs: list[str] = []
    brief = Brief.model_validate(
        _data(),
        context={
            "source": SOURCE,
            "is_last_attempt": lambda: True,
            "repairs": repairs,
            "earlier": [Brief.model_validate(earlier)],
        },
    )
    assert [c.action for c in brief.commitments] == [
        "strengthen ties and enhance cooperation",
        "cooperate against terrorism",
    ]
    # Restored items get the last attempt's fixes too: the title leaves the name.
    assert [(p.name, p.title) for p in brief.participants][2] == (
        "Mohammad Ishaq Dar",
        "Deputy Prime Minister",
    )
    assert len(brief.participants) == 3  # "Foreign Secretary Amna Baloch" is Amna Baloch, kept
    assert repairs[:2] == [
        'participant "Deputy Prime Minister Mohammad Ishaq Dar" was dropped by a re-ask: restored',
        'commitment "cooperate against terrorism" was dropped by a re-ask: restored',
    ]


def test_nothing_is_restored_before_the_last_attempt() -> None:
    earlier = _data()
    earlier["agenda_items"].append({"topic": "energy", "evidence": "trade, energy", "summary": "x"})
    brief = Brief.model_validate(
        _data(),
        context={
            "source": SOURCE,
            "is_last_attempt": lambda: False,
            "earlier": [Brief.model_validate(earlier)],
        },
    )
    assert [a.topic for a in brief.agenda_items] == ["trade"]
