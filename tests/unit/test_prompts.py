from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import Brief, ConfigError, _passes
from summarizer._checks import find_problems
from summarizer._numbered import Numbered
from summarizer._prompts import field_guide, load_prompt
from summarizer.schemas.passes import Participants


def test_each_pass_shares_the_instructions_and_the_numbered_document() -> None:
    prompt = load_prompt("brief")
    doc = Numbered("The talks were held in Oslo. Norway agreed to fund the study.")
    sent = [_passes.messages(prompt, p, doc) for p in _passes.PASSES]
    for (system, user), p in zip(sent, _passes.PASSES, strict=True):
        assert system["role"] == "system" and user["role"] == "user"
        assert system == sent[0][0]  # the same for every pass and every document
        assert "- people (list of objects, at most 12)" in system["content"]
        assert "Oslo" not in system["content"]
        assert user["content"].startswith("Document:\n[1] The talks were held in Oslo.\n[2] Norway agreed")
        assert f"Task: {p.name}" in user["content"]
    # The document comes before the task: the passes share it as a prefix, for the prompt cache.
    prefix = sent[0][1]["content"].split("Task:")[0]
    assert all(user["content"].startswith(prefix) for _, user in sent)
    assert "Task: commitments, at 2 agreed: who undertook what" in sent[2][1]["content"]
    assert len(prompt.sha256) == 64


def test_a_custom_schema_gets_the_extract_prompt_with_its_field_guide() -> None:
    system, user = load_prompt("extract").render(
        document="The talks were held in Oslo.", fields=field_guide(Brief)
    )
    assert "- participants (list of objects, at most 15)" in system["content"]
    assert "The talks were held in Oslo." in user["content"] and "Oslo" not in system["content"]


def test_missing_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="'document' is undefined"):
        load_prompt("extract").render(fields="")


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


def test_builtin_examples_are_valid_answers_citing_their_document() -> None:
    source = load_prompt("brief").sources["system"]
    document = source.split("Example document:\n", 1)[1].split("\n\n", 1)[0]
    example = Numbered("\n".join(line.split("] ", 1)[1] for line in document.splitlines()))
    lines = source.split("Answers for the example:\n", 1)[1].splitlines()
    answers = {
        task.split(",")[0]: (task, answer) for task, answer in (line.split(": ", 1) for line in lines if line)
    }
    people = Participants.model_validate_json(answers["participants"][1])
    for p in _passes.PASSES:
        model = _passes.response_model(p, example, people)
        answer = model.model_validate_json(answers[p.name][1])
        assert not [x for x in find_problems(answer, example) if not x.minor], p.name
    # The commitments' example is keyed as the library keys the example's places.
    task = _passes.messages(load_prompt("brief"), _passes.PASSES[2], example)[1]["content"].split("Task: ")[1]
    assert task.startswith(answers["commitments"][0] + ":")
    model = _passes.response_model(_passes.PASSES[2], example, people)
    commitments = model.model_validate_json(answers["commitments"][1]).commitments
    assert {c.firmness for c in commitments} == {"firm", "expected", "possible"}
