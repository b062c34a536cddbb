"""The command line through CliRunner: outputs, exit codes, and one clear line per error."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import summarizer
from summarizer._cli import app
from summarizer._config import default_cache_path
from tests.conftest import ROOT, SEED
from tests.stub_server import StubServer

runner = CliRunner()


def _stub_args(stub: StubServer) -> list[str]:
    return ["--model", "openai/stub-model", "--config", str(_config(stub))]


def _config(stub: StubServer, extra: str = "") -> Path:
    path = Path("stub.toml")
    path.write_text(f'api_base = "{stub.api_base}"\napi_key_env = "STUB_KEY"\n{extra}', encoding="utf-8")
    return path


def _error_line(result: object) -> str:
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    return lines[0]


def test_version_is_the_one_in_pyproject() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"summarizer {pyproject['project']['version']}"
    assert summarizer.__version__ == pyproject["project"]["version"]


def test_schema_is_valid_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"participants", "agenda_items", "commitments", "tone", "meta"} <= set(schema["properties"])


def test_config_show_lists_sources() -> None:
    Path("summarizer.toml").write_text("temperature = 0.5\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "show", "--model", "openai/x"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert lines["model"].split()[1:] == ["openai/x", "command", "line"]
    assert lines["temperature"].split()[1:] == ["0.5", "summarizer.toml"]
    # The cache's default path, not "-": briefs.sqlite in the user cache directory.
    assert lines["cache_path"].split()[1:] == [str(default_cache_path()), "default"]


@pytest.mark.parametrize(
    "command",
    [[], ["brief"], ["batch"], ["eval"], ["schema"], ["serve"], ["config", "show"], ["cache", "clear"]],
)
def test_help_shows_no_value_type_after_a_plain_flag(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    flags = [line for line in result.stdout.splitlines() if "--help" in line or "--no-cache" in line]
    assert flags and not [line for line in flags if "<" in line]
    assert "<bool>" not in result.stdout


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("", "error: no API key for openai: set OPENAI_API_KEY (or name another variable in api_key_env)"),
        (
            'api_key_env = "NO_SUCH_KEY"\n',
            "error: NO_SUCH_KEY is not set: it should hold the API key for openai (api_key_env)",
        ),
    ],
)
def test_a_missing_key_is_told_before_litellm_is_loaded(config: str, message: str) -> None:
    # Importing litellm takes seconds: the key is checked first (no timing asserted, the imports are).
    Path("keys.toml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    command = ["brief", str(SEED), "--model", "openai/gpt-4o-mini", "--config", "keys.toml"]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "summarizer", *command],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert lines[-1] == message
    imported = [line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")]
    assert "summarizer._engine" in imported and "litellm" not in imported


def test_brief_json_through_a_stub_provider(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "test-key-0123456789")
    result = runner.invoke(app, ["brief", str(SEED), "--format", "json", *_stub_args(stub)])
    assert result.exit_code == 0, result.stderr
    brief = json.loads(result.stdout)
    jsonschema.validate(brief, json.loads(runner.invoke(app, ["schema"]).stdout))
    assert brief["meta"]["provider"] == "openai"
    assert brief["meta"]["model"] == "stub-model"
    # One request per pass; auto mode: tools for remote models.
    names = sorted(r["body"]["tools"][0]["function"]["name"] for r in stub.requests)
    assert names == ["Agenda", "CommitmentsByCue", "Overview", "Participants"]
    for request in stub.requests:
        assert request["body"]["model"] == "stub-model"
        assert request["headers"]["authorization"] == "Bearer test-key-0123456789"
    # The passes share one prefix: the instructions, then the numbered document.
    users = [r["body"]["messages"][-1]["content"] for r in stub.requests]
    prefix = users[0].split("Task:")[0]
    assert "[1] ISLAMABAD" in prefix and all(u.startswith(prefix) for u in users)


def test_brief_markdown_to_a_file(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    out = Path("note.md")
    result = runner.invoke(app, ["brief", str(SEED), "-o", str(out), *_stub_args(stub)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("# Pakistan and US agree to strengthen ties\n")
    assert [p.name for p in Path(".").iterdir() if p.name.startswith(".note")] == []


def test_brief_reads_stdin(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    result = runner.invoke(app, ["brief", "-", *_stub_args(stub)], input="Minister Lopez met Mr Dar in Oslo.")
    assert result.exit_code == 0, result.stderr
    assert "Minister Lopez met Mr Dar in Oslo." in stub.requests[0]["body"]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "binary"),
    ],
)
def test_bad_documents_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    doc = tmp_path / "doc"
    doc.write_bytes(content)
    out = Path("out.md")
    result = runner.invoke(app, ["brief", str(doc), "-o", str(out)])
    assert result.exit_code == 2
    assert message in _error_line(result)
    assert not out.exists()


def test_missing_path_and_directory_exit_2(tmp_path: Path) -> None:
    assert "no such file" in _error_line(runner.invoke(app, ["brief", str(tmp_path / "nope.txt")]))
    result = runner.invoke(app, ["brief", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in _error_line(result)


def test_unknown_model_exits_3() -> None:
    result = runner.invoke(app, ["brief", str(SEED), "--model", "no-such-model"])
    assert result.exit_code == 3
    assert "unknown model 'no-such-model'" in _error_line(result)


def test_missing_api_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = runner.invoke(app, ["brief", str(SEED), "--model", "anthropic/claude-3-5-haiku-latest"])
    assert result.exit_code == 3
    assert "ANTHROPIC_API_KEY" in _error_line(result)


def test_missing_named_key_variable(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUB_KEY", raising=False)
    result = runner.invoke(app, ["brief", str(SEED), *_stub_args(stub)])
    assert result.exit_code == 3
    assert "STUB_KEY is not set" in _error_line(result)


def test_unreachable_api_base_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("dead.toml").write_text('api_base = "http://127.0.0.1:9/v1"\nmax_retries = 0\ntimeout = 5\n')
    out = Path("out.json")
    result = runner.invoke(
        app, ["brief", str(SEED), "--model", "openai/x", "--config", "dead.toml", "-o", str(out)]
    )
    assert result.exit_code == 4
    assert "cannot reach openai at http://127.0.0.1:9/v1" in _error_line(result)
    assert not out.exists()


def test_provider_error_status_exits_4_without_leaking_the_key(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "very-secret-key-0123456789")
    stub.behaviour.status = 500
    result = runner.invoke(app, ["brief", str(SEED), *_stub_args(stub)])
    assert result.exit_code == 4
    line = _error_line(result)
    assert "HTTP 500" in line
    assert "very-secret-key" not in result.stderr + result.stdout


def test_garbage_output_exits_5_after_retries(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    stub.behaviour.garbage = True
    out = Path("out.json")
    result = runner.invoke(app, ["brief", str(SEED), *_stub_args(stub), "-o", str(out)])
    assert result.exit_code == 5
    assert "still invalid after 2 attempts" in _error_line(result)
    # The passes go at once to a hosted provider; each makes the first try and max_retries=1 re-ask.
    assert 2 <= len(stub.requests) <= 8
    assert not out.exists()


def test_long_document_is_briefed_in_parts_and_merged(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    doc = tmp_path / "long.txt"
    text = "\n\n".join([SEED.read_text(encoding="utf-8")] * 4)
    doc.write_text(text, encoding="utf-8")
    config = _config(stub, "chunk_tokens = 1200\n")
    result = runner.invoke(
        app, ["brief", str(doc), "--format", "json", "--model", "openai/gpt-4o-mini", "--config", str(config)]
    )
    assert result.exit_code == 0, result.stderr
    brief = json.loads(result.stdout)
    assert brief["meta"]["chunks"] * 4 == len(stub.requests) >= 12  # four passes per part
    sent = [r["body"]["messages"][-1]["content"] for r in stub.requests]
    assert all(len(m) < len(text) / 2 for m in sent)
    assert [p["name"] for p in brief["participants"]] == ["John Bass", "Amna Baloch"]  # merged
    spans = [c["span"] for c in brief["commitments"]]
    assert len({s["start"] for s in spans}) == len(spans) >= 3  # one per seed, none twice
    for c in brief["commitments"]:
        assert text[c["span"]["start"] : c["span"]["end"]] == c["evidence"]


def test_brief_max_cost_starts_no_part_that_would_exceed_it(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    doc = tmp_path / "long.txt"
    doc.write_text("\n\n".join([SEED.read_text(encoding="utf-8")] * 8), encoding="utf-8")
    # gpt-4o-mini's price table: the stub's 100 + 50 tokens for each of 4 passes cost $0.00018 a part.
    config = _config(stub, "chunk_tokens = 1200\n")
    args = ["brief", str(doc), "--model", "openai/gpt-4o-mini", "--config", str(config), "-o", "note.md"]
    result = runner.invoke(app, [*args, "--max-cost", "0.0004"])
    assert result.exit_code == 7, result.stderr
    note, error = result.stderr.strip().splitlines()
    parts = int(note.split(" parts")[0].rsplit(" ", 1)[1])
    assert parts > 3 and note == f"note: {doc} is long: briefing it in {parts} parts, one after another"
    assert error == (
        f"error: stopped before part 3 of {parts}: the budget of $0.0004 would be exceeded"
        " (spent $0.000360 on 2 parts; --max-cost sets it)"
    )
    assert len(stub.requests) == 8 and not Path("note.md").exists()  # two parts, four passes each
    stub.requests.clear()
    enough = runner.invoke(app, [*args, "--max-cost", "1"])
    assert enough.exit_code == 0, enough.stderr
    assert enough.stderr.strip() == note and len(stub.requests) == 4 * parts
    assert json.loads(runner.invoke(app, [*args[:-2], "--format", "json"]).stdout)["meta"]["chunks"] == parts


def test_a_document_in_a_few_parts_is_briefed_without_a_note(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    doc = tmp_path / "two.txt"
    doc.write_text("\n\n".join([SEED.read_text(encoding="utf-8")] * 2), encoding="utf-8")
    config = _config(stub, "chunk_tokens = 1200\n")
    args = ["brief", str(doc), "--model", "openai/gpt-4o-mini", "--config", str(config), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert 1 < json.loads(result.stdout)["meta"]["chunks"] <= 3 and result.stderr == ""


def test_brief_html_highlights_evidence(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    result = runner.invoke(
        app, ["brief", str(SEED), "--format", "html", "-o", "note.html", *_stub_args(stub)]
    )
    assert result.exit_code == 0, result.stderr
    page = Path("note.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert page.count('<mark class="ev"') >= 5
    assert "Acting Under Secretary of State for Political Affairs, John Bass</mark>" in page


def test_legacy_encoding_is_detected_and_named(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    doc = tmp_path / "latin.txt"
    doc.write_bytes("Le ministre François Délégué a rencontré la délégation à Genève. ".encode("cp1252") * 5)
    result = runner.invoke(app, ["brief", str(doc), "--format", "json", *_stub_args(stub)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"note: {doc} is not UTF-8; decoded it as ")
    assert "François" in stub.requests[0]["body"]["messages"][-1]["content"]


def test_a_corrupt_cache_never_fails_a_brief(stub: StubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    cache = default_cache_path()  # each test's own (conftest)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"garbage, not a database\n" * 50)
    args = ["brief", str(SEED), "--format", "json", *_stub_args(stub)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    (aside,) = cache.parent.glob("briefs.sqlite.corrupt-*")
    warning = " ".join(_error_line(first).split())
    assert str(cache) in warning and str(aside) in warning
    again = runner.invoke(app, args)  # the new cache works
    assert again.exit_code == 0 and json.loads(again.stdout)["meta"]["cached"] is True
    with contextlib.closing(sqlite3.connect(cache)) as db:  # an entry that does not read back
        db.execute('UPDATE briefs SET value = \'{"not": "a brief"}\'')
        db.commit()
    third = runner.invoke(app, args)
    assert third.exit_code == 0, third.stderr
    assert json.loads(third.stdout)["meta"]["cached"] is False and len(stub.requests) == 8


def test_debug_logs_go_to_stderr_and_stdout_holds_only_the_brief(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    result = runner.invoke(app, ["--debug", "brief", str(SEED), "--format", "json", *_stub_args(stub)])
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)  # nothing but the brief
    assert "LiteLLM" in result.stderr or "litellm" in result.stderr  # its debug logs are there instead


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_follow_the_umask(stub: StubServer, monkeypatch: pytest.MonkeyPatch, umask: int) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    old = os.umask(umask)
    try:
        brief = runner.invoke(app, ["brief", str(SEED), "-o", "note.md", *_stub_args(stub)])
        assert brief.exit_code == 0, brief.stderr
        batch = runner.invoke(app, ["batch", str(SEED), "-o", "out", "--format", "all", *_stub_args(stub)])
        assert batch.exit_code == 0, batch.stderr
    finally:
        os.umask(old)
    written = [Path("note.md"), *(p for p in Path("out").iterdir() if not p.name.startswith("."))]
    assert len(written) == 5  # the note, three formats and the manifest
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(0o666 & ~umask)}
