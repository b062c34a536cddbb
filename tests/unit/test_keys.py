"""The table of key variables checked before litellm loads agrees with litellm's own checks."""

from __future__ import annotations

import os

import pytest

from summarizer.keys import KEY_VARIABLES


@pytest.mark.parametrize("provider", sorted(KEY_VARIABLES))
def test_each_key_variable_is_one_litellm_takes(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    variables = KEY_VARIABLES[provider]
    for name in variables:
        monkeypatch.delenv(name, raising=False)
    missing = litellm.validate_environment(model=f"{provider}/some-model")["missing_keys"]
    assert variables[0] in missing  # the one the message names
    for name in variables:  # and litellm is content with any one of them
        monkeypatch.setenv(name, "a-key")
        assert litellm.validate_environment(model=f"{provider}/some-model")["missing_keys"] == []
        monkeypatch.delenv(name)
    assert not any(os.environ.get(name) for name in variables)
