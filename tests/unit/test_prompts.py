from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import ConfigError
from summarizer.prompts import field_guide, load_prompt
from summarizer.schemas import Brief


def test_builtin_prompt_renders_document_last_and_guide_in_system() -> None:
    prompt = load_prompt("brief")
    system, user = prompt.render(document="The talks were held in Oslo.", fields=field_guide(Brief))
    assert system["role"] == "system" and user["role"] == "user"
    assert "- participants (list of objects, at most 15)" in system["content"]
    assert "The talks were held in Oslo." in user["content"]
    assert "Oslo" not in system["content"]  # the system prompt is the same for every document
    assert len(prompt.sha256) == 64


def test_missing_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="'document' is undefined"):
        load_prompt("brief").render(fields="")


def test_user_prompt_dir_takes_precedence_and_changes_the_hash(tmp_path: Path) -> None:
    folder = tmp_path / "brief"
    folder.mkdir()
    (folder / "system.j2").write_text("Be brief. {{ fields }}")
    (folder / "user.j2").write_text("{{ document }} {{ audience }}")
    mine = load_prompt("brief", tmp_path)
    assert mine.sha256 != load_prompt("brief").sha256
    with pytest.raises(ConfigError, match="'audience' is undefined"):
        mine.render(document="x", fields="y")


def test_unknown_prompt_lists_the_builtin_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"prompt 'nope' not found.*brief"):
        load_prompt("nope", tmp_path)


def test_prompt_folder_without_user_template(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "system.j2").write_text("x")
    with pytest.raises(ConfigError, match=r"no user\.j2"):
        load_prompt("half", tmp_path)


def test_field_guide_marks_enums_and_nullables() -> None:
    guide = field_guide(Brief)
    assert "firmness (one of firm | expected | possible)" in guide
    assert "date (string, may be null)" in guide
    assert "meta" not in guide


def test_builtin_example_is_a_valid_brief_grounded_in_its_document() -> None:
    source = load_prompt("brief").sources["system"]
    document = source.split('Example document:\n"""\n', 1)[1].split('\n"""', 1)[0]
    example = Brief.model_validate_json(source.split("Example answer:\n", 1)[1])
    items = [*example.participants, *example.agenda_items, *example.commitments, example.tone]
    assert all(item.evidence in document for item in items)
    assert {c.firmness for c in example.commitments} == {"firm", "expected", "possible"}
