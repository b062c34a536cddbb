from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer import TONE_MAP, Brief, ConfigError, ToneLabel
from summarizer.schemas import get_schema, output_json_schema, schema_version
from summarizer.schemas.passes import (
    Agenda,
    Cue,
    Overview,
    Participants,
    ShortOverview,
    by_cue,
)


def _walk(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


CITING = [Participants, Agenda, Overview, ShortOverview]
"""What the model writes, citing sentence numbers: the passes of a brief but commitments."""

ANSWERS = [*CITING, by_cue((Cue("3 will fund", 3, "firm"),), ("Chile",))]
"""What the model writes: the passes of a brief (commitments are keyed by the sentence's number)."""


@pytest.mark.parametrize("model", ANSWERS)
def test_every_list_the_model_writes_is_bounded(model: type[BaseModel]) -> None:
    arrays = [n for n in _walk(model.model_json_schema()) if n.get("type") == "array"]
    assert arrays, "every pass has lists"
    assert all("maxItems" in a for a in arrays)


@pytest.mark.parametrize("model", ANSWERS)
def test_every_string_the_model_writes_is_bounded(model: type[BaseModel]) -> None:
    strings = [n for n in _walk(model.model_json_schema()) if n.get("type") == "string" and "enum" not in n]
    assert strings and all("maxLength" in s for s in strings)


@pytest.mark.parametrize("model", CITING)
def test_the_model_cites_sentence_numbers_last(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    items = [d for d in schema.get("$defs", {}).values()] or [schema]
    for item in items:
        assert list(item["properties"])[-1] == "evidence"
        assert item["properties"]["evidence"]["items"] == {"type": "integer"}


def test_meta_is_hidden_from_the_model_but_in_the_output_schema() -> None:
    assert "meta" not in Brief.model_json_schema()["properties"]
    out = output_json_schema(Brief)
    assert "meta" in out["properties"]
    assert "prompt_sha256" in out["$defs"]["Meta"]["properties"]


def test_items_carry_evidence_and_grounded_fields_come_before_prose() -> None:
    schema = Brief.model_json_schema()
    defs = schema["$defs"]
    for name in ("Participant", "AgendaItem", "Commitment", "Tone"):
        assert "evidence" in defs[name]["required"], name
    order = list(schema["properties"])
    assert order.index("participants") < order.index("summary") < order.index("headline")
    participant = list(defs["Participant"]["properties"])
    assert participant.index("name") < participant.index("role")


def test_tone_map_covers_every_label() -> None:
    labels = set(ToneLabel.__args__)  # type: ignore[attr-defined]
    assert set(TONE_MAP) == labels
    assert set(TONE_MAP.values()) == {"cooperative", "neutral", "conflictual"}


def test_seed_like_brief_validates_and_round_trips() -> None:
    from tests.stub_server import STUB_BRIEF

    brief = Brief.model_validate(STUB_BRIEF)
    assert Brief.model_validate_json(brief.model_dump_json()) == brief


def test_invalid_firmness_is_rejected() -> None:
    from tests.stub_server import STUB_BRIEF

    bad = json.loads(json.dumps(STUB_BRIEF))
    bad["commitments"][0]["firmness"] = "definitely"
    with pytest.raises(ValueError, match="firmness"):
        Brief.model_validate(bad)


class CustomNote(BaseModel):
    topic: str


def test_custom_schema_by_import_path() -> None:
    assert get_schema("tests.unit.test_schema:CustomNote") is CustomNote
    assert schema_version(CustomNote) == "custom"
    assert schema_version(Brief) == "brief/3"


@pytest.mark.parametrize("name", ["nope", "tests.unit.test_schema:Missing", "json:dumps"])
def test_unknown_schemas_raise_config_error(name: str) -> None:
    with pytest.raises(ConfigError):
        get_schema(name)


def test_names_and_labels_lose_the_spaces_a_model_writes_around_them() -> None:
    from summarizer.schemas.passes import Party, Topic

    assert Party(name=" IOC ", evidence=[1]).name == "IOC"
    assert Topic(topic="trade ", evidence=[1]).topic == "trade"
