"""Shared fixtures: config and cache isolation, the loopback stub, and cassettes of the embedded model."""

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


@pytest.fixture(scope="session")
def user_models_dir() -> Path:
    """Where the embedded model's weights are built: the user cache directory's ``models``, as the
    environment names it before the isolation below changes it."""
    from summarizer._config import user_cache_dir

    return user_cache_dir() / "models"


@pytest.fixture(scope="session")
def user_environ() -> dict[str, str]:
    """The environment as the tests were started with it, before the isolation below."""
    return dict(os.environ)


@pytest.fixture(scope="session", autouse=True)
def isolated_session(
    tmp_path_factory: pytest.TempPathFactory, user_models_dir: Path, user_environ: dict[str, str]
) -> Iterator[None]:
    """The isolation of ``isolated_config`` for the fixtures set up once per module or session
    (such as a service started in a subprocess), before any test's own. (It asks for
    ``user_environ`` so that the environment is taken before it changes.)"""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _isolate(monkeypatch, tmp_path_factory.mktemp("session"), user_models_dir)
        yield


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user_models_dir: Path) -> Path:
    """Each test has its own user config and cache directories (the cache of briefs, the saved
    prompt states), no SUMMARIZER_* variables, and a clean working directory.

    The environment, not a setting, isolates them, so a subprocess (``summarizer serve``, an
    installed wheel) that inherits it is isolated too. Only the embedded model's weights are
    shared: the temporary cache directory's ``models`` links to the user's, so the tests that run
    the model find the weights built once (1.1 GB), and the others never build them.
    """
    _isolate(monkeypatch, tmp_path, user_models_dir)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _isolate(monkeypatch: pytest.MonkeyPatch, folder: Path, user_models_dir: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SUMMARIZER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder / "xdg-cache"))
    if user_models_dir.is_dir():
        _share_models(user_models_dir)


def _share_models(models: Path) -> None:
    """Link this test's cache directory's ``models`` to ``models``."""
    from summarizer._config import user_cache_dir

    link = user_cache_dir() / "models"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(models, target_is_directory=True)


@pytest.fixture
def embedded_weights(user_models_dir: Path) -> Path:
    """For a test that runs the embedded model: the weights are built in the user cache
    directory (once, on a machine that has none yet), never in the test's own."""
    user_models_dir.mkdir(parents=True, exist_ok=True)
    _share_models(user_models_dir)
    return user_models_dir


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
        # A recorded response is played once: a request made twice needs two recordings.
        "allow_playback_repeats": False,
        "before_record_request": _model_calls_only,
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test that replays a cassette fails unless every recorded interaction was played: a
    recorded request the code no longer makes is a change the replay would otherwise hide."""
    result = yield
    cassette = getattr(item, "funcargs", {}).get("vcr")
    if cassette is not None and cassette.write_protected and not cassette.all_played:
        unplayed = [f"#{i + 1}" for i in range(len(cassette)) if not cassette.play_counts[i]]
        # The test's own cassette, and those its vcr mark names (pytest-recording's persister).
        paths = [cassette._path, *getattr(cassette._persister, "extra_paths", [])]
        files = ", ".join(dict.fromkeys(str(p) for p in paths if os.path.exists(p)))
        pytest.fail(
            f"{len(unplayed)} of {len(cassette)} recorded interactions were not replayed"
            f" ({' '.join(unplayed)} of {files}): the code no longer makes those requests;"
            " re-record the cassette",
            pytrace=False,
        )
    return result


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
def recorded_api_base(
    request: pytest.FixtureRequest, user_models_dir: Path, user_environ: dict[str, str]
) -> str:
    """The embedded model's loopback endpoint when recording; a dummy address when replaying."""
    if request.config.getoption("--record-mode") in (None, "none"):
        return REPLAY_API_BASE
    from summarizer import _embedded

    threads = int(user_environ.get("SUMMARIZER_THREADS", "0"))  # e.g. 1 to record beside other work
    # The user cache directory: its weights, and its saved prompt states, as in production.
    runtime = _embedded.runtime(user_models_dir.parent, 32768, threads)
    # Reached by another name than the runtime's own, the server is treated as one running
    # elsewhere (no prompt-state warming, tokens counted by litellm), exactly as in a replay.
    return runtime.api_base.replace("127.0.0.1", "localhost")
