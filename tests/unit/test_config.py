from __future__ import annotations

import os
from pathlib import Path
from traceback import TracebackException

import pytest

from summarizer import ConfigError, Summarizer, load_settings
from summarizer._config import (
    default_cache_path,
    describe_settings,
    mask_url,
    user_cache_dir,
    user_config_path,
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_use_the_embedded_model() -> None:
    settings = load_settings()
    assert settings.model == "embedded"
    assert settings.schema == "brief"


def test_precedence_flags_over_env_over_local_over_user(monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        user_config_path(), 'model = "user/m"\nprompt = "user-prompt"\ntemperature = 0.1\nmax_tokens = 11\n'
    )
    _write(Path("summarizer.toml"), 'model = "local/m"\nprompt = "local-prompt"\ntemperature = 0.2\n')
    monkeypatch.setenv("SUMMARIZER_MODEL", "env/m")
    monkeypatch.setenv("SUMMARIZER_PROMPT", "env-prompt")

    settings = load_settings({"model": "flag/m", "schema": None})

    assert settings.model == "flag/m"  # flag beats env
    assert settings.prompt == "env-prompt"  # env beats ./summarizer.toml
    assert settings.temperature == 0.2  # ./summarizer.toml beats the user file
    assert settings.max_tokens == 11  # the user file beats the default
    assert settings.timeout == 600.0  # default


def test_explicit_config_file_replaces_local_one(tmp_path: Path) -> None:
    _write(Path("summarizer.toml"), 'model = "local/m"\n')
    other = _write(tmp_path / "other.toml", 'model = "other/m"\n')
    assert load_settings(config_file=other).model == "other/m"


def test_show_names_the_source_of_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    _write(Path("summarizer.toml"), 'temperature = 0.3\napi_base = "https://user:hunter2@llm.example/v1"\n')
    monkeypatch.setenv("SUMMARIZER_PROMPT", "mine")
    monkeypatch.setenv("SUMMARIZER_API_KEY_ENV", "MY_KEY")
    monkeypatch.setenv("MY_KEY", "secret-value-123456")
    rows = {key: (value, origin) for key, value, origin in describe_settings({"model": "openai/x"})}
    assert rows["model"] == ("openai/x", "command line")
    assert rows["prompt"] == ("mine", "environment")
    assert rows["temperature"] == ("0.3", "summarizer.toml")
    assert rows["max_tokens"][1] == "default"
    assert rows["api_key_env"] == ("MY_KEY (set)", "environment")
    assert rows["api_base"][0] == "https://***@llm.example/v1"
    assert "hunter2" not in str(rows) and "secret-value" not in str(rows)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('modle = "x"\n', "unknown key 'modle'"),
        ("temperature = 9\n", "temperature"),
        ("model = \n", "cannot parse"),
        ('mode = "telepathy"\n', "mode"),
    ],
)
def test_bad_config_files_raise_config_error(toml: str, message: str) -> None:
    _write(Path("summarizer.toml"), toml)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config_file=tmp_path / "nope.toml")


def test_mask_url_keeps_urls_without_credentials() -> None:
    assert mask_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"
    assert mask_url("https://a:b@h/x") == "https://***@h/x"


def test_each_test_has_its_own_cache_and_config_dirs(tmp_path: Path, user_models_dir: Path) -> None:
    # conftest points XDG_CACHE_HOME and XDG_CONFIG_HOME at the test's own folder: the cache of
    # briefs, the saved prompt states and the user config file are never the user's.
    assert "SUMMARIZER_CACHE_PATH" not in os.environ
    for path in (user_cache_dir(), user_config_path(), default_cache_path(), Summarizer().cache.path):
        assert path.is_relative_to(tmp_path), path
    assert not user_models_dir.is_relative_to(tmp_path)
    if user_models_dir.is_dir():  # only the weights are the user's, built once
        assert (user_cache_dir() / "models").resolve() == user_models_dir.resolve()


@pytest.fixture(scope="module")
def module_environ() -> dict[str, str]:
    return dict(os.environ)


def test_fixtures_set_up_once_per_module_are_isolated_too(
    module_environ: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Such as a service started in a subprocess for a whole module: set up before any test's own.
    base = tmp_path_factory.getbasetemp()
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        assert Path(module_environ[name]).is_relative_to(base), name
    assert not [name for name in module_environ if name.startswith("SUMMARIZER_")]


def test_secrets_stay_out_of_reprs_and_tracebacks(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer._engine import Target

    monkeypatch.setenv("SUMMARIZER_SERVICE_TOKENS", "token-aaaa-0123456789, token-bbbb-0123456789")
    settings = load_settings()
    target = Target("openai/x", "openai", "x", None, "sk-secret-0123456789", "tools", None)

    def fails(settings: object, target: object) -> None:
        raise RuntimeError("something went wrong")

    try:
        fails(settings, target)
    except RuntimeError as e:
        traceback = "".join(TracebackException.from_exception(e, capture_locals=True).format())
    assert "sk-secret" not in repr(target) and "sk-secret" not in traceback
    for shown in (repr(settings), str(settings), settings.model_dump_json(), traceback):
        assert "token-aaaa" not in shown and "token-bbbb" not in shown
    # Every use still gets the values.
    assert [t.get_secret_value() for t in settings.service_tokens] == [
        "token-aaaa-0123456789",
        "token-bbbb-0123456789",
    ]
    assert target.api_key == "sk-secret-0123456789"
    assert dict((k, v) for k, v, _ in describe_settings())["service_tokens"] == "2 set"
