"""Shared fixtures: config isolation, the loopback stub, and vcrpy cassettes of the embedded model."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.stub_server import StubServer

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "pakistan-us-talks.txt"

# Cassettes replay the embedded model as served on its OpenAI-compatible loopback endpoint, with
# the embedded model's own requests (its grammar, its passes one by one): model "embedded" with an
# api_base talks to a server of it that runs already, without loading the model.
RECORDED_MODEL = "embedded"
REPLAY_API_BASE = "http://127.0.0.1:9/v1"  # never reached: replays are matched by path and body


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user config, no SUMMARIZER_* variables but a fresh cache, and a clean working directory."""
    for name in list(os.environ):
        if name.startswith("SUMMARIZER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # A cache per test (the user cache directory stays, for the embedded model's weights).
    monkeypatch.setenv("SUMMARIZER_CACHE_PATH", str(tmp_path / "cache" / "briefs.sqlite"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def _json_body(r1: Any, r2: Any) -> None:
    def load(body: Any) -> Any:
        if body is None:
            return None
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        try:
            return json.loads(body)
        except ValueError:
            return body

    assert load(r1.body) == load(r2.body), "request bodies differ: re-record the cassettes"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("json_body", _json_body)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "path", "json_body"],
        "filter_headers": ["authorization", "api-key", "x-api-key", "cookie"],
        "decode_compressed_response": True,
        # A test whose requests were not all replayed fails (pytest-recording's default is laxer).
        "allow_playback_repeats": False,
        "before_record_request": _model_calls_only,
    }


def _model_calls_only(request: Any) -> Any:
    """Record the model calls, not the runtime's housekeeping (tokenizing, saving prompt states),
    which a replay without the model never makes."""
    if not request.path.endswith("/chat/completions"):
        return None
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return request
    return request if "model" in body else None


@pytest.fixture(scope="session")
def recorded_api_base(request: pytest.FixtureRequest) -> str:
    """The embedded model's loopback endpoint when recording; a dummy address when replaying."""
    if request.config.getoption("--record-mode") in (None, "none"):
        return REPLAY_API_BASE
    from summarizer import embedded
    from summarizer.config import user_cache_dir

    threads = int(os.environ.get("SUMMARIZER_THREADS", "0"))  # e.g. 1 to record beside other work
    # Reached by another name than the runtime's own, the server is treated as one running
    # elsewhere (no prompt-state warming, tokens counted by litellm), exactly as in a replay.
    return embedded.runtime(user_cache_dir(), 32768, threads).api_base.replace("127.0.0.1", "localhost")
