"""The adapter of instructor's internals, pinned to the instructor version it was checked with."""

from __future__ import annotations

import json

import instructor
import pytest
from pydantic import BaseModel

from summarizer import _instructor_adapter
from summarizer._litellm_loader import load_litellm


class Decision(BaseModel):
    text: str


def test_instructor_is_the_version_the_adapter_was_checked_with() -> None:
    installed, checked = instructor.__version__, _instructor_adapter.CHECKED_WITH
    assert installed == checked, (
        f"instructor is {installed}, but summarizer/_instructor_adapter.py was checked with {checked}:"
        f" check that {', '.join(_instructor_adapter.INTERNALS)} still exist and behave as it expects"
        " (run tests/unit/test_instructor_adapter.py and tests/integration/test_provider_batch.py),"
        " then set CHECKED_WITH to the new version"
    )


def _answer(arguments: str) -> object:
    call = {"id": "call_1", "type": "function", "function": {"name": "Decision", "arguments": arguments}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return load_litellm().ModelResponse(
        id="x", model="m", choices=[{"index": 0, "finish_reason": "tool_calls", "message": message}]
    )


def test_a_request_its_parse_and_its_reask_in_tools_mode() -> None:
    model = instructor.openai_schema(Decision)
    messages = [{"role": "user", "content": "Decide."}]
    request = _instructor_adapter.request_kwargs(model, instructor.Mode.TOOLS, model="m", messages=messages)
    assert request["tools"][0]["function"]["name"] == "Decision"
    assert request["tool_choice"]["function"]["name"] == "Decision"
    assert request["messages"] == messages

    parsed = _instructor_adapter.parse(
        _answer(json.dumps({"text": "Hold talks."})), model, instructor.Mode.TOOLS, None
    )
    assert parsed.text == "Hold talks."

    bad = _answer(json.dumps({"wrong": 1}))
    with pytest.raises(Exception) as failure:
        _instructor_adapter.parse(bad, model, instructor.Mode.TOOLS, None)
    reask = _instructor_adapter.reask_kwargs(request, instructor.Mode.TOOLS, bad, failure.value)
    assert reask["messages"][: len(messages)] == messages
    assert len(reask["messages"]) > len(messages) + 1  # the answer, then what to fix
    assert "text" in json.dumps(reask["messages"][len(messages) :])
