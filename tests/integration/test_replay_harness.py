"""The replay harness itself: a test that leaves recorded interactions unplayed fails."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import ROOT

pytest_plugins = ["pytester"]

CASSETTE = ROOT / "tests" / "integration" / "cassettes" / "test_embedded_replay" / "test_seed_brief.yaml"

INNER_TESTS = f"""
import httpx
import pytest
import yaml

CASSETTE = {str(CASSETTE)!r}


def _bodies():
    with open(CASSETTE, encoding="utf-8") as f:
        return [i["request"]["body"] for i in yaml.safe_load(f)["interactions"]]


def _replay(bodies):
    for body in bodies:
        response = httpx.post("http://127.0.0.1:9/v1/chat/completions", content=body)
        assert response.status_code == 200


@pytest.mark.vcr(CASSETTE)
def test_replays_every_recording():
    _replay(_bodies())


@pytest.mark.vcr(CASSETTE)
def test_replays_the_first_recording_only():
    _replay(_bodies()[:1])
"""


def test_a_replay_that_leaves_recordings_unplayed_fails(pytester: pytest.Pytester) -> None:
    recorded = len(yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"])
    pytester.makeconftest("from tests.conftest import *  # noqa: F403\n")  # our fixtures and hooks
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    result.assert_outcomes(passed=1, failed=1)
    unplayed = " ".join(f"#{i}" for i in range(2, recorded + 1))
    message = (
        f"{recorded - 1} of {recorded} recorded interactions were not replayed ({unplayed} of {CASSETTE}):"
        " the code no longer makes those requests; re-record the cassette"
    )
    assert message in result.stdout.str()
    assert "FAILED test_inner.py::test_replays_the_first_recording_only" in result.stdout.str()
