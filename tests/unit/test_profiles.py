"""Provider profiles: the lookup from a model string, and each key policy agrees with litellm's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from summarizer import ConfigError, Settings
from summarizer._profiles import EMBEDDED_PROFILE, HOSTED, PROFILES, profile_for, profile_named

KEYED = [p for p in PROFILES if p.key_variables]


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("embedded", "embedded"),
        ("openai/gpt-4o-mini", "openai"),
        ("anthropic/claude-haiku-4-5", "anthropic"),
        ("gemini/gemini-2.0-flash", "gemini"),
        ("ollama/llama3.1", "ollama"),
        ("ollama_chat/llama3.1", "ollama"),
        ("hosted_vllm/qwen", "openai-compatible"),
        ("gpt-4o-mini", "hosted"),  # litellm names its provider, when loaded
        ("bedrock/some-model", "bedrock"),
    ],
)
def test_one_lookup_from_the_model_string(model: str, family: str) -> None:
    assert profile_for(model).family == family


def test_only_openai_and_anthropic_batch_and_only_the_embedded_model_goes_one_at_a_time() -> None:
    assert {p.family for p in PROFILES if p.batch} == {"openai", "anthropic"}
    assert [p for p in PROFILES if p.one_at_a_time] == [EMBEDDED_PROFILE]
    assert profile_named("bedrock").batch is False and profile_named("bedrock").family == "bedrock"
    assert HOSTED.mode == "tools" and EMBEDDED_PROFILE.mode == "json_schema"


def test_a_missing_key_names_its_variable_before_litellm_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    settings = Settings(model="anthropic/claude-haiku-4-5")
    with pytest.raises(ConfigError, match="set ANTHROPIC_API_KEY"):
        profile_for(settings.model).check_key(settings)
    profile_for(settings.model).check_key(settings.model_copy(update={"api_base": "http://127.0.0.1:9"}))


def test_profiles_load_without_litellm() -> None:
    code = "import sys, summarizer._profiles; assert 'litellm' not in sys.modules, 'litellm loaded'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("family", [p.family for p in KEYED])
def test_each_key_variable_is_one_litellm_takes(family: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer._litellm_loader import load_litellm

    litellm = load_litellm()
    profile = profile_named(family)
    variables = profile.key_variables
    for name in variables:
        monkeypatch.delenv(name, raising=False)
    missing = litellm.validate_environment(model=f"{family}/some-model")["missing_keys"]
    assert variables[0] in missing  # the one the message names
    for name in variables:  # and litellm is content with any one of them
        monkeypatch.setenv(name, "a-key")
        assert litellm.validate_environment(model=f"{family}/some-model")["missing_keys"] == []
        monkeypatch.delenv(name)
    assert not any(os.environ.get(name) for name in variables)
