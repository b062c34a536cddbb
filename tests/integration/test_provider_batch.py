"""`batch --via provider`, `batch status` and `batch collect` against loopback stubs of OpenAI's
Files and Batches API and Anthropic's Message Batches API (``tests/batch_stub.py``), reached by
the SDKs through their base URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import BatchCollection, BatchJob, Doc, Settings, Summarizer
from summarizer._cli import app
from summarizer._provider_batch import is_open
from tests.batch_stub import BatchStub
from tests.conftest import ROOT, SEED
from tests.integration.test_checks_reask import _people
from tests.stub_server import StubServer
from tests.unit.test_speakers import HANSARD

runner = CliRunner()

PROVIDERS = {
    # provider: (model, where the SDK is pointed)
    "openai": ("openai/stub-model", "api_base"),
    "anthropic": ("anthropic/claude-haiku-4-5", "root"),
}


@pytest.fixture(autouse=True)
def stub_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "stub-key-0123456789")


@pytest.fixture
def stub() -> Any:
    with BatchStub() as server:
        yield server


def _docs(folder: Path, n: int, text: str | None = None) -> Path:
    """n documents the stub's answers are grounded in: the seed, each with its own marker line."""
    folder.mkdir()
    seed = text or SEED.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"doc-{i:02d}.txt").write_text(f"{seed}\n\nMarker doc-{i:02d}.\n", encoding="utf-8")
    return folder


def _config(stub: BatchStub, provider: str = "openai", model: str | None = None, **extra: object) -> Path:
    default_model, where = PROVIDERS[provider]
    lines = [
        f'model = "{model or default_model}"',
        f'api_base = "{getattr(stub, where)}"',
        'api_key_env = "STUB_KEY"',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path = Path(f"{provider}.toml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _settings(stub: BatchStub, provider: str = "openai", **extra: Any) -> Settings:
    model, where = PROVIDERS[provider]
    return Settings(model=model, api_base=getattr(stub, where), api_key_env="STUB_KEY", **extra)


def _manifest(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def _final(out: Path) -> dict[str, dict[str, Any]]:
    """The last line of each document, as a resumed batch reads it."""
    return {r["id"]: r for r in _manifest(out)}


def _brief(path: Path) -> dict[str, Any]:
    """A brief written to ``path``, without what differs between two runs of one request."""
    brief = json.loads(path.read_text(encoding="utf-8"))
    for key in ("latency_s", "cost_usd"):
        brief["meta"].pop(key)
    return brief


def _submit(docs: Path, config: Path, *extra: str) -> Any:
    return runner.invoke(
        app, ["batch", str(docs), "-o", "out", "--via", "provider", "--config", str(config), *extra]
    )


def _collect(config: Path, *extra: str) -> Any:
    return runner.invoke(app, ["batch", "collect", "out", "--config", str(config), "--poll", "0", *extra])


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_submit_then_status_while_in_progress_then_collect(
    stub: BatchStub, tmp_path: Path, provider: str
) -> None:
    docs = _docs(tmp_path / "docs", 3)
    config = _config(stub, provider)
    stub.hold = True
    submitted = _submit(docs, config)
    assert submitted.exit_code == 0, submitted.stderr
    (job,) = stub.batches
    assert f"submitted 12 requests (3 documents, 3 parts) to {provider} in 1 batch: {job}" in submitted.stderr
    assert "summarizer batch collect out" in submitted.stderr
    assert stub.submissions == 1 and len(stub.lines) == 12
    rows = _manifest(Path("out"))
    assert [(r["id"], r["status"], r["batch_job"], r["requests"]) for r in rows] == [
        (f"doc-{i:02d}", "submitted", job, 4) for i in range(3)
    ]

    status = runner.invoke(app, ["batch", "status", "out", "--config", str(config)])
    assert status.exit_code == 0, status.stderr
    assert job in status.stdout and "in_progress" in status.stdout
    assert "0 of 3 documents written, 0 failed, 3 waiting" in status.stdout

    looked = _collect(config, "--no-wait")
    assert looked.exit_code == 8, looked.stderr
    assert "3 documents still in the provider's batches" in looked.stderr
    assert not list(Path("out").glob("*.json"))

    stub.hold = False
    collected = _collect(config)
    assert collected.exit_code == 0, collected.stderr
    assert "3 of 3 documents written, 0 failed, 0 waiting" in collected.stderr
    final = _final(Path("out"))
    assert {r["status"] for r in final.values()} == {"ok"}
    assert stub.submissions == 1 and not stub.requests  # nothing asked directly
    assert not is_open(Path("out"))

    # The same documents on the direct route: the same requests, and the same briefs. A batch
    # asks every pass at once, so its commitments pass is not given the participants' answer:
    # there the actor is any string, not one of the participants.
    direct = runner.invoke(
        app, ["batch", str(docs), "-o", "direct", "--config", str(config), "--no-cache", "--concurrency", "1"]
    )
    assert direct.exit_code == 0, direct.stderr
    body = "params" if provider == "anthropic" else "body"
    asked = [r["body"] for r in stub.requests]
    sent = [line[body] for line in stub.lines]
    assert sorted(json.dumps(b, sort_keys=True) for b in asked if not _asks_commitments(b)) == sorted(
        json.dumps(b, sort_keys=True) for b in sent if not _asks_commitments(b)
    )
    assert sum(map(_asks_commitments, asked)) == sum(map(_asks_commitments, sent)) == 3
    assert {_actor_schema(b).get("type") for b in asked if _asks_commitments(b)} == {"array"}
    assert {_actor_schema(b).get("type") for b in sent if _asks_commitments(b)} == {"string"}
    direct_rows = _final(Path("direct"))
    for id, row in final.items():
        assert set(row) == set(direct_rows[id])  # the direct route's manifest line
        assert {k: row[k] for k in ("outputs", "prompt_tokens", "completion_tokens", "retries")} == {
            k: direct_rows[id][k] for k in ("outputs", "prompt_tokens", "completion_tokens", "retries")
        }
        assert _brief(Path("out") / f"{id}.json") == _brief(Path("direct") / f"{id}.json")


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_failed_and_expired_requests_fail_their_documents_and_the_rest_are_written(
    stub: BatchStub, tmp_path: Path, provider: str
) -> None:
    docs = _docs(tmp_path / "docs", 4)
    config = _config(stub, provider)
    stub.faults = {"Marker doc-01.": ["errored"], "Marker doc-02.": ["expired"]}
    assert _submit(docs, config).exit_code == 0
    collected = _collect(config)
    assert collected.exit_code == 6, collected.stderr
    assert '2 documents failed: see the lines with "status": "failed"' in collected.stderr
    final = _final(Path("out"))
    assert {i: r["status"] for i, r in final.items()} == {
        "doc-00": "ok",
        "doc-01": "failed",
        "doc-02": "failed",
        "doc-03": "ok",
    }
    assert final["doc-01"]["error_type"] == "ProviderError"
    assert "the provider answered no participants request (attempt 1)" in final["doc-01"]["error"]
    assert "stub error 500" in final["doc-01"]["error"]
    assert "expired" in final["doc-02"]["error"]
    assert final["doc-02"]["outputs"] == [] and not (Path("out") / "doc-02.json").exists()
    assert sorted(p.name for p in Path("out").glob("*.json")) == ["doc-00.json", "doc-03.json"]
    assert stub.submissions == 1  # a failed request is not asked again


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_answers_that_fail_the_checks_are_asked_again_in_a_second_smaller_batch(
    stub: BatchStub, tmp_path: Path, provider: str
) -> None:
    docs = _docs(tmp_path / "docs", 2)
    config = _config(stub, provider)
    stray = {"name": "Ishaq Khan", "title": "", "side": "Pakistan", "role": "host", "evidence": [99]}
    stub.behaviour.pass_answers = {"participants": [_people(stray)]}  # the first participants answer
    assert _submit(docs, config).exit_code == 0
    collected = _collect(config)
    assert collected.exit_code == 0, collected.stderr
    assert stub.submissions == 2
    first, second = stub.batches.values()
    assert len(first.requests) == 8 and [r["custom_id"] for r in second.requests] == ["d1-p1-participants-a2"]
    reask = json.dumps(stub.lines[-1])
    assert "Fix these problems" in reask and "Ishaq Khan" in reask
    final = _final(Path("out"))
    assert [final[i]["retries"] for i in ("doc-00", "doc-01")] == [1, 0]
    rounds = [(r["id"], r["round"]) for r in _manifest(Path("out")) if r["status"] == "submitted"]
    assert rounds == [("doc-00", 1), ("doc-01", 1), ("doc-00", 2)]

    # The direct route, given the same answers, asks the same re-ask and writes the same brief.
    stub.behaviour.pass_answers = {"participants": [_people(stray)]}
    stub.requests.clear()
    direct = runner.invoke(
        app, ["batch", str(docs / "doc-00.txt"), "-o", "direct", "--config", str(config), "--no-cache"]
    )
    assert direct.exit_code == 0, direct.stderr
    body = "params" if provider == "anthropic" else "body"
    reasked = next(r["body"] for r in stub.requests if "Fix these problems" in json.dumps(r["body"]))
    assert json.dumps(reasked, sort_keys=True) == json.dumps(stub.lines[-1][body], sort_keys=True)
    assert _brief(Path("out") / "doc-00.json") == _brief(Path("direct") / "doc-00.json")


def test_reask_direct_sends_the_reask_to_the_chat_endpoint(stub: BatchStub, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 2)
    config = _config(stub)
    stray = {"name": "Ishaq Khan", "title": "", "side": "Pakistan", "role": "host", "evidence": [99]}
    stub.behaviour.pass_answers = {"participants": [_people(stray)]}
    assert _submit(docs, config).exit_code == 0
    collected = _collect(config, "--reask", "direct")
    assert collected.exit_code == 0, collected.stderr
    assert stub.submissions == 1
    (reask,) = stub.requests
    assert reask["path"] == "/v1/chat/completions"
    assert "Fix these problems" in json.dumps(reask["body"]["messages"][-1])
    final = _final(Path("out"))
    assert final["doc-00"]["retries"] == 1 and final["doc-00"]["prompt_tokens"] == 500  # 4 batch + 1 direct


def test_an_interrupted_collect_resumes_and_submits_nothing_twice(stub: BatchStub, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 3)
    config = _config(stub)
    stray = {"name": "Ishaq Khan", "title": "", "side": "Pakistan", "role": "host", "evidence": [99]}
    stub.behaviour.pass_answers = {"participants": [_people(stray)]}
    stub.ends = 1  # the re-ask round stays in progress
    assert _submit(docs, config).exit_code == 0
    command = [sys.executable, "-m", "summarizer", "batch", "collect", "out", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*command, "--poll", "0.05"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (stub.submissions == 2 and stub.polls > 2):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "run `summarizer batch collect out` again to resume" in stderr
    assert {i: r["status"] for i, r in _final(Path("out")).items()} == {
        "doc-00": "submitted",
        "doc-01": "ok",
        "doc-02": "ok",
    }

    stub.ends = None
    resumed = subprocess.run([*command, "--poll", "0"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert stub.submissions == 2  # the re-ask round was not submitted again
    done = [r["id"] for r in _manifest(Path("out")) if r["status"] == "ok"]
    assert sorted(done) == ["doc-00", "doc-01", "doc-02"]  # each written once


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_submission_killed_before_its_id_was_recorded_is_found_not_sent_again(
    stub: BatchStub, tmp_path: Path, provider: str
) -> None:
    docs = _docs(tmp_path / "docs", 2)
    config = _config(stub, provider)
    stub.create_delay = 60.0  # the client never hears back
    command = [sys.executable, "-m", "summarizer", "batch", str(docs), "-o", "out", "--via", "provider"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*command, "--config", str(config)], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and stub.submissions == 0:
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=60)
    stub.create_delay = 0.0
    assert is_open(Path("out"))
    collected = _collect(config)
    assert collected.exit_code == 0, collected.stderr
    assert stub.submissions == 1
    assert {r["status"] for r in _final(Path("out")).values()} == {"ok"}


def _asks_commitments(body: dict[str, Any]) -> bool:
    return "Task: commitments" in json.dumps(body)


def _actor_schema(body: dict[str, Any]) -> dict[str, Any]:
    """The schema of the actor of a commitments request's first place."""
    tools = body.get("tools")
    schema = (tools[0].get("input_schema") or tools[0]["function"]["parameters"]) if tools else {}
    schema = schema or body["response_format"]["json_schema"]["schema"]
    place = next(iter(schema["properties"].values()))
    actor: dict[str, Any] = next(a for a in place["anyOf"] if a.get("type") == "object")["properties"][
        "actor"
    ]
    return actor


def test_the_estimate_is_at_batch_prices_and_max_cost_refuses_to_submit(
    stub: BatchStub, tmp_path: Path
) -> None:
    docs = _docs(tmp_path / "docs", 2)
    config = _config(stub, model="openai/gpt-4o-mini")  # in litellm's price map, with batch prices
    refused = _submit(docs, config, "--max-cost", "0.001")
    assert refused.exit_code == 7, refused.stderr
    assert "at batch prices, is over --max-cost $0.001: nothing submitted" in refused.stderr
    assert stub.submissions == 0 and not is_open(Path("out"))

    submitted = _submit(docs, config, "--max-cost", "1")
    assert submitted.exit_code == 0, submitted.stderr
    line = next(x for x in submitted.stderr.splitlines() if x.startswith("estimated cost"))
    batch, direct = (float(x.split()[0].lstrip("$")) for x in line.split("$")[1:3])
    # gpt-4o-mini's batch prices are half (the line shows dollars to 4 decimals)
    assert batch == pytest.approx(direct / 2, abs=0.00005 + 1e-9)
    assert "litellm's batch prices" in line
    assert _collect(config).exit_code == 0
    # Each document: four answers of 100 prompt and 50 answer tokens, at batch prices.
    for row in _final(Path("out")).values():
        assert row["cost_usd"] == pytest.approx(4 * (100 * 0.075 + 50 * 0.3) / 1e6)


def test_a_model_without_batch_prices_gets_half_its_direct_price(stub: BatchStub, tmp_path: Path) -> None:
    summarizer = Summarizer(_settings(stub, "openai").model_copy(update={"model": "openai/gpt-3.5-turbo"}))
    prices = summarizer._get_engine().batch_prices()
    assert prices.source == "discount"
    assert prices.batch_prompt == pytest.approx(prices.prompt / 2)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("model", "api_base", "says"),
    [
        ("embedded", None, "the embedded model cannot take a provider batch"),
        ("ollama/llama3.1", "http://127.0.0.1:9", "ollama has no batch API"),
        ("hosted_vllm/qwen", "http://127.0.0.1:9/v1", "vLLM's run_batch"),
        ("openai/qwen", "plain", "has no OpenAI batch API (HTTP 404 on /batches)"),
    ],
)
def test_a_provider_that_cannot_batch_gets_an_error_naming_via_direct(
    tmp_path: Path, model: str, api_base: str | None, says: str
) -> None:
    docs = _docs(tmp_path / "docs", 1)
    with StubServer() as plain:  # an OpenAI-compatible server without Files and Batches
        lines = [f'model = "{model}"', 'api_key_env = "STUB_KEY"']
        if api_base:
            lines.append(f'api_base = "{plain.api_base if api_base == "plain" else api_base}"')
        Path("plain.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = runner.invoke(
            app, ["batch", str(docs), "-o", "out", "--via", "provider", "--config", "plain.toml"]
        )
    assert result.exit_code == 3, result.stderr
    assert says in result.stderr and "use --via direct" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not plain.requests


def test_a_transcript_s_commitments_are_asked_with_its_speakers_as_actors(
    stub: BatchStub, tmp_path: Path
) -> None:
    # The speakers are known before any answer, so the batch offers them as the direct route does.
    docs = _docs(tmp_path / "docs", 1, HANSARD)
    stub.behaviour.passes["commitments"]["commitments"] = [
        {
            "evidence": "We will extend",
            "actor": "Bill Morneau",
            "action": "extend the wage subsidy",
            "firmness": "firm",
        }
    ]
    config = _config(stub)
    assert _submit(docs, config).exit_code == 0
    sent = [line["body"] for line in stub.lines]
    assert len(sent) == 3 and not any("Task: participants" in json.dumps(b) for b in sent)
    (asked,) = [b for b in sent if _asks_commitments(b)]
    assert set(_actor_schema(asked)["items"]["enum"]) >= {"Anthony Rota", "Ed Fast", "Bill Morneau"}
    assert _collect(config).exit_code == 0
    direct = runner.invoke(app, ["batch", str(docs), "-o", "direct", "--config", str(config), "--no-cache"])
    assert direct.exit_code == 0, direct.stderr
    brief = _brief(Path("out") / "doc-00.json")
    assert [(c["actor"], c["action"]) for c in brief["commitments"]] == [
        ("Bill Morneau", "extend the wage subsidy")
    ]
    assert brief == _brief(Path("direct") / "doc-00.json")


def test_a_long_documents_parts_go_in_one_batch_and_are_merged(stub: BatchStub, tmp_path: Path) -> None:
    seed = SEED.read_text(encoding="utf-8")
    docs = _docs(tmp_path / "docs", 1, "\n\n".join([seed] * 4))
    config = _config(stub, chunk_tokens=1000)
    submitted = _submit(docs, config)
    assert submitted.exit_code == 0, submitted.stderr
    (batch,) = stub.batches.values()
    parts = len(batch.requests) // 4
    assert parts > 1 and f"(1 documents, {parts} parts)" in submitted.stderr
    assert _collect(config).exit_code == 0
    direct = runner.invoke(app, ["batch", str(docs), "-o", "direct", "--config", str(config), "--no-cache"])
    assert direct.exit_code == 0, direct.stderr
    brief = _brief(Path("out") / "doc-00.json")
    assert brief["meta"]["chunks"] == parts
    assert brief == _brief(Path("direct") / "doc-00.json")


def test_an_answer_cut_off_splits_its_part_into_halves_asked_in_the_next_round(
    stub: BatchStub, tmp_path: Path
) -> None:
    docs = _docs(tmp_path / "docs", 1)
    config = _config(stub)
    stub.faults = {"Marker doc-00.": ["cut_off"]}
    assert _submit(docs, config).exit_code == 0
    assert _collect(config).exit_code == 0
    # The halves' four passes each, in round 2 (a half the stub's answers fit badly is re-asked after).
    assert [len(b.requests) for b in stub.batches.values()][:2] == [4, 8]
    brief = json.loads((Path("out") / "doc-00.json").read_text(encoding="utf-8"))
    assert brief["meta"]["chunks"] == 2
    assert "briefed in 2 smaller parts" in brief["meta"]["repairs"][0]


def test_provider_batch_requests_splits_a_round_into_batches_by_document(
    stub: BatchStub, tmp_path: Path
) -> None:
    docs = _docs(tmp_path / "docs", 3)
    config = _config(stub, provider_batch_requests=5)
    submitted = _submit(docs, config)
    assert submitted.exit_code == 0, submitted.stderr
    assert stub.submissions == 3 and "in 3 batches" in submitted.stderr
    assert [len(b.requests) for b in stub.batches.values()] == [4, 4, 4]  # a document is never split
    assert _collect(config).exit_code == 0


def test_a_folder_with_a_batch_in_progress_takes_no_other_batch(stub: BatchStub, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 1)
    config = _config(stub)
    stub.hold = True
    assert _submit(docs, config).exit_code == 0
    again = _submit(docs, config)
    assert again.exit_code == 2 and "run `summarizer batch collect out` first" in again.stderr
    direct = runner.invoke(app, ["batch", str(docs), "-o", "out", "--config", str(config)])
    assert direct.exit_code == 2 and "has a provider batch not yet collected" in direct.stderr
    assert stub.submissions == 1 and not stub.requests
    stub.hold = False
    assert _collect(config).exit_code == 0
    rerun = _submit(docs, config)  # every document done: nothing to submit
    assert rerun.exit_code == 0 and "nothing to submit" in rerun.stderr
    assert stub.submissions == 1


def test_the_library_submits_and_collects_typed_objects(stub: BatchStub, tmp_path: Path) -> None:
    seed = SEED.read_text(encoding="utf-8")
    summarizer = Summarizer(_settings(stub, "anthropic"))
    job = summarizer.submit_batch(
        [seed, Doc.from_text("minutes-2", seed + " More.")], outdir=tmp_path / "out", formats=["json", "md"]
    )
    assert isinstance(job, BatchJob) and job.documents == 2 and job.estimate.requests == 8
    assert summarizer.batch_status(job).waiting == 2
    collection = summarizer.collect_batch(job, poll_interval=0)
    assert isinstance(collection, BatchCollection) and collection.progress.finished
    by_id = {r.id: r for r in collection.results}
    assert sorted(by_id) == ["doc-1", "minutes-2"]
    assert by_id["doc-1"].brief.headline == "Pakistan and US agree to strengthen ties"
    assert by_id["minutes-2"].outputs == ["minutes-2.json", "minutes-2.md"]
    # A second collect finds nothing left to do.
    assert summarizer.collect_batch(tmp_path / "out").results == []
