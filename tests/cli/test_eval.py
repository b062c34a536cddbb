"""`summarizer eval` end to end against the loopback stub provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer._cli import app
from tests.stub_server import StubServer

runner = CliRunner()

CASES = [
    {
        "id": "seed-one",
        "text": "Under Secretary John Bass of the United States met Pakistan's Foreign Secretary Amna"
        " Baloch in Islamabad for talks on trade, and both sides agreed to strengthen ties and enhance"
        " cooperation.",
        "gold": {
            "participants": [{"name": "John Bass"}, {"name": "Amna Baloch"}, {"name": "Mohammad Ishaq Dar"}],
            "commitments": [{"actor": "Pakistan and the United States", "action": "strengthen ties"}],
            "agenda": ["trade", "climate change"],
            "tone": "cooperative",
        },
        "scoring": {"participants": "prf"},
    },
    {
        "id": "other-two",
        "text": "FAIL THIS ONE: the talks collapsed.",
        "gold": {"participants": [{"name": "Amna Baloch"}], "tone": "conflictual"},
    },
]


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    return path


def _run(stub: StubServer, *args: str) -> object:
    Path("stub.toml").write_text(f'api_base = "{stub.api_base}"\napi_key_env = "STUB_KEY"\nmax_retries = 0\n')
    return runner.invoke(app, ["eval", *args, "--model", "openai/stub", "--config", "stub.toml"])


def test_eval_scores_writes_reports_and_counts_failures(
    stub: StubServer, cases_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    stub.behaviour.fail_when = "FAIL THIS ONE"
    result = _run(stub, str(cases_file), "-o", "out")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "2 cases, 1 failed" in result.stderr  # type: ignore[attr-defined]

    report = json.loads(Path("out/report.json").read_text())
    assert report["key"]["model"] == "stub" and len(report["key"]["prompt_sha256"]) == 64
    assert report["key"]["schema_version"] == "brief/3"
    assert [f["id"] for f in report["failed"]] == ["other-two"]
    overall = report["scores"]["ALL"]
    # The stub's brief names John Bass and Amna Baloch: 2 of 3 seed people, 0 of the failed case's 1.
    assert overall["participants"]["matched_gold"] == 2 and overall["participants"]["gold"] == 4
    assert overall["participants"]["prf"]["precision"] == 1.0
    assert overall["commitments"]["recall"] == 1.0  # same actor, shared content words
    assert overall["agenda"]["recall"] == 0.5  # trade covered, climate change not
    assert overall["tone"] == {"cases": 2, "correct": 1, "accuracy": 0.5}
    assert set(report["scores"]) == {"ALL", "seed", "other"}

    lines = [json.loads(x) for x in Path("out/predictions.jsonl").read_text().splitlines()]
    assert {x["id"]: ("brief" in x, "error" in x) for x in lines} == {
        "seed-one": (True, False),
        "other-two": (False, True),
    }
    mistakes = Path("out/mistakes.md").read_text()
    assert "| Mohammad Ishaq Dar |" in mistakes and "climate change" in mistakes
    assert "**Failed:** ProviderError" in mistakes


def test_eval_source_filter_and_limit(
    stub: StubServer, cases_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    result = _run(stub, str(cases_file), "--source", "other", "-o", "out")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert json.loads(Path("out/report.json").read_text())["cases"] == 1
    # One case, three passes: "the talks collapsed" has no words of undertaking, so no commitments.
    assert len(stub.requests) == 3


def test_eval_rerun_counts_briefs_served_from_the_cache(
    stub: StubServer, cases_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    assert _run(stub, str(cases_file), "-o", "first").exit_code == 0
    assert json.loads(Path("first/report.json").read_text())["cached"] == 0
    sent = len(stub.requests)

    result = _run(stub, str(cases_file), "-o", "again")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "2 cases, 2 from the cache, 0 failed" in result.stderr  # type: ignore[attr-defined]
    assert json.loads(Path("again/report.json").read_text())["cached"] == 2
    assert len(stub.requests) == sent


def test_eval_rescores_saved_predictions_without_the_model(
    stub: StubServer, cases_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "k" * 20)
    assert _run(stub, str(cases_file), "-o", "run").exit_code == 0
    sent = len(stub.requests)
    ran = json.loads(Path("run/report.json").read_text())
    evidence = ran["scores"]["ALL"]["evidence"]
    # Every item's evidence is a span of the source, made by the library from cited numbers.
    assert 0 < evidence["aligned"] == evidence["items"]
    assert evidence["items"] == sum(ran["scores"][g]["evidence"]["items"] for g in ("seed", "other"))

    result = _run(stub, str(cases_file), "--predictions", "run/predictions.jsonl", "-o", "rescored")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert len(stub.requests) == sent  # nothing was asked of the model
    assert json.loads(Path("rescored/report.json").read_text())["scores"] == ran["scores"]
    assert not Path("rescored/predictions.jsonl").exists()

    Path("part.jsonl").write_text(Path("run/predictions.jsonl").read_text().splitlines()[0] + "\n")
    result = _run(stub, str(cases_file), "--predictions", "part.jsonl", "-o", "part")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert "1 of 2 cases have no prediction" in result.stderr  # type: ignore[attr-defined]
    assert json.loads(Path("part/report.json").read_text())["cases"] == 1

    Path("bad.jsonl").write_text('{"id": "seed-one"}\n')
    result = _run(stub, str(cases_file), "--predictions", "bad.jsonl", "-o", "bad")
    assert result.exit_code == 2
    assert "bad.jsonl:1: a prediction needs an id and a brief or an error" in result.stderr  # type: ignore[attr-defined]
    assert not Path("bad").exists()


def test_compare_prints_deltas(tmp_path: Path) -> None:
    def report(recall: float) -> Path:
        path = tmp_path / f"r{recall}.json"
        scores = {"ALL": {"agenda": {"recall": recall}, "tone": {"accuracy": 0.5}}}
        path.write_text(json.dumps({"scores": scores}))
        return path

    result = runner.invoke(app, ["eval", "--compare", str(report(0.25)), str(report(0.75))])
    assert result.exit_code == 0, result.stderr
    assert "+0.500" in result.stdout and "+0.000" in result.stdout


def test_eval_without_cases_is_a_usage_error() -> None:
    result = runner.invoke(app, ["eval"])
    assert result.exit_code == 2
