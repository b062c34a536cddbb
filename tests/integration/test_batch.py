"""Batches against the loopback stub: injected faults, failures, Ctrl-C and resume, cache, budget."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer import Settings, Summarizer
from summarizer._cli import app
from summarizer._config import default_cache_path
from tests.conftest import ROOT, SEED
from tests.stub_server import StubServer

runner = CliRunner()


@pytest.fixture(autouse=True)
def stub_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUB_KEY", "stub-key-0123456789")


def _docs(folder: Path, n: int) -> Path:
    """n documents the stub's brief is grounded in: the seed, each with its own marker line."""
    folder.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"doc-{i:02d}.txt").write_text(f"{seed}\n\nMarker doc-{i:02d}.\n", encoding="utf-8")
    return folder


def _config(stub: StubServer, model: str = "openai/stub-model", **extra: object) -> Path:
    lines = [f'model = "{model}"', f'api_base = "{stub.api_base}"', 'api_key_env = "STUB_KEY"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path = Path("stub.toml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _manifest(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_faults_that_clear_on_retry_cost_no_document(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 50)
    stub.behaviour.retry_after = "1"
    stub.behaviour.faults = {
        "Marker doc-03.": [429],
        "Marker doc-11.": [500, 502],
        "Marker doc-20.": ["timeout"],
        "Marker doc-31.": [503],
        "Marker doc-44.": ["garbage"],  # malformed JSON: a validation re-ask, not a transient retry
    }
    config = _config(stub, timeout=1.5, retry_initial_delay=0.05)
    result = runner.invoke(
        app, ["batch", str(docs), "-o", "out", "--config", str(config), "--concurrency", "8"]
    )
    assert result.exit_code == 0, result.stderr
    rows = {r["id"]: r for r in _manifest(Path("out"))}
    assert len(rows) == 50 and {r["status"] for r in rows.values()} == {"ok"}
    assert {i: r["transient_retries"] for i, r in rows.items() if r["transient_retries"]} == {
        "doc-03": 1,
        "doc-11": 2,
        "doc-20": 1,
        "doc-31": 1,
    }
    assert {i for i, r in rows.items() if r["retries"]} == {"doc-44"}
    for r in rows.values():
        assert r["outputs"] == [f"{r['id']}.json"]
        json.loads((Path("out") / r["outputs"][0]).read_text(encoding="utf-8"))
    # Retry-After was honoured: the retry of doc-03 came no sooner than one second later.
    # The four passes of doc-03 went at once; the one that met the 429 was sent again.
    times = [q["time"] for q in stub.requests if "Marker doc-03." in json.dumps(q["body"]["messages"])]
    assert len(times) == 5 and times[-1] - times[0] >= 1.0
    assert "50 briefed, 0 from the cache, 0 failed" in result.stderr


def test_documents_that_always_fail_are_listed_and_the_rest_finish(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 50)
    stub.behaviour.faults = {f"Marker doc-{i:02d}.": [500] * 10 for i in (5, 17, 38)}
    config = _config(stub, transient_retries=2, retry_initial_delay=0.01)
    result = runner.invoke(
        app, ["batch", str(docs), "-o", "out", "--config", str(config), "--concurrency", "8"]
    )
    assert result.exit_code == 6
    assert "error: 3 documents failed" in result.stderr.strip().splitlines()[-1]
    rows = _manifest(Path("out"))
    failed = {r["id"]: r for r in rows if r["status"] == "failed"}
    assert sorted(failed) == ["doc-05", "doc-17", "doc-38"]
    assert all(r["error_type"] == "ProviderError" and "HTTP 500" in r["error"] for r in failed.values())
    assert all(r["outputs"] == [] for r in failed.values())
    assert sum(r["status"] == "ok" for r in rows) == 47
    assert not list(Path("out").glob("doc-05*"))


def test_a_rerun_is_served_from_the_cache_without_a_request(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 10)
    config = _config(stub)
    assert runner.invoke(app, ["batch", str(docs), "-o", "first", "--config", str(config)]).exit_code == 0
    assert len(stub.requests) == 40  # four passes a document
    again = runner.invoke(
        app, ["batch", str(docs), "-o", "second", "--config", str(config), "--format", "all"]
    )
    assert again.exit_code == 0, again.stderr
    assert len(stub.requests) == 40  # not one more
    rows = _manifest(Path("second"))
    assert {r["status"] for r in rows} == {"cached"} and len(rows) == 10
    assert sorted(rows[0]["outputs"]) == sorted(f"{rows[0]['id']}{s}" for s in (".json", ".md", ".html"))
    resumed = runner.invoke(app, ["batch", str(docs), "-o", "second", "--config", str(config)])
    assert "10 of 10 documents already done" in resumed.stderr
    assert len(_manifest(Path("second"))) == 10  # nothing redone


def test_max_cost_stops_scheduling(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 8)
    # gpt-4o-mini's price table: the stub's 100 + 50 tokens for each of 4 passes cost $0.00018 a document.
    config = _config(stub, model="openai/gpt-4o-mini")
    args = [
        "batch",
        str(docs),
        "-o",
        "out",
        "--config",
        str(config),
        "--concurrency",
        "1",
        "--max-cost",
        "0.0004",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    rows = _manifest(Path("out"))
    assert [r["status"] for r in rows] == ["ok", "ok"] + ["skipped"] * 6
    assert sum(r["cost_usd"] for r in rows) == pytest.approx(0.00036)
    assert len(stub.requests) == 8
    assert "budget" in rows[-1]["error"]


def test_ctrl_c_then_resume_does_every_document_exactly_once(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 40)
    stub.behaviour.delay = 0.2
    config = _config(stub)
    command = [sys.executable, "-m", "summarizer", "batch", str(docs), "-o", "out", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*command, "--concurrency", "4"], env=env, stderr=subprocess.PIPE, text=True)
    manifest = Path("out") / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not manifest.exists() or len(manifest.read_text().splitlines()) < 8
    ):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "run the same command again to resume" in stderr
    first = _manifest(Path("out"))
    assert 8 <= len(first) < 40
    assert not list(Path("out").glob(".*.tmp"))
    for r in first:
        json.loads((Path("out") / f"{r['id']}.json").read_text(encoding="utf-8"))

    rerun = subprocess.run(
        [*command, "--concurrency", "4"], env=env, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    rows = _manifest(Path("out"))
    assert sorted(r["id"] for r in rows) == [f"doc-{i:02d}" for i in range(40)]  # each once
    assert {r["status"] for r in rows} == {"ok"}
    assert len(stub.requests) == 160  # no document briefed twice: four passes each


async def test_library_batch_is_an_async_iterator(stub: StubServer) -> None:
    seed = SEED.read_text(encoding="utf-8")
    settings = Settings(model="openai/stub-model", api_base=stub.api_base, api_key_env="STUB_KEY")
    texts = [seed, "", seed + "\n\nMore."]
    results = [r async for r in Summarizer(settings).batch(texts, concurrency=2)]
    by_id = {r.id: r for r in results}
    assert sorted(by_id) == ["doc-1", "doc-2", "doc-3"]
    assert by_id["doc-2"].status == "failed" and by_id["doc-2"].error_type == "InputError"
    assert by_id["doc-1"].status == "ok" and by_id["doc-1"].brief.participants[0].name == "John Bass"


def _jsonl(rows: list[dict[str, str]]) -> Path:
    path = Path("docs.jsonl")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["a/./b", "a/b"], "the id 'a/./b' cannot name an output file: it has a '.' segment"),
        (["a/../b"], "it has a '..' segment"),
        (["a/"], "the id 'a/' cannot name an output file: it ends with '/'"),
        (["a//b"], "it has an empty segment"),
        (["/etc/x"], "it has an empty segment"),
        (["a/.b"], "starts with '.'"),
        (["a\\b"], "it holds the character '\\\\'"),
        (["caf\u00e9", "cafe\u0301"], "two documents have the id 'café'"),  # one name, two spellings
    ],
)
def test_ids_that_name_one_file_or_a_hidden_one_are_refused(
    stub: StubServer, ids: list[str], message: str
) -> None:
    seed = SEED.read_text(encoding="utf-8")
    source = _jsonl([{"id": i, "text": seed} for i in ids])
    result = runner.invoke(app, ["batch", "--from-jsonl", str(source), "--config", str(_config(stub))])
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert stub.requests == [] and not Path("briefs").exists()


def test_any_file_name_is_briefed_under_a_safe_id(stub: StubServer, tmp_path: Path) -> None:
    seed = SEED.read_text(encoding="utf-8")
    folder = tmp_path / "docs"
    (folder / "sub folder").mkdir(parents=True)
    names = {
        "minutes of 3 May.txt": "minutes of 3 May",
        "Zürich talks.md": "Zürich talks",
        "sub folder/Ελληνικά.txt": "sub folder/Ελληνικά",
        "tab\there.txt": "tab_here",
        os.fsdecode(b"latin-1 caf\xe9.txt"): "latin-1 caf_",  # not UTF-8: a lone surrogate in Python
    }
    for n, name in enumerate(names):
        (folder / name).write_text(f"{seed}\n\nMarker {n}.\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(folder), "-o", "out", "--config", str(_config(stub))])
    assert result.exit_code == 0, result.stderr
    rows = _manifest(Path("out"))
    assert {r["id"]: r["source"] for r in rows} == {i: str(folder / n) for n, i in names.items()}
    assert {r["status"] for r in rows} == {"ok"}
    for r in rows:
        assert r["outputs"] == [f"{r['id']}.json"] and (Path("out") / r["outputs"][0]).is_file()
    again = runner.invoke(app, ["batch", str(folder), "-o", "out", "--config", str(_config(stub))])
    assert again.exit_code == 0 and "5 of 5 documents already done" in again.stderr


def test_a_lone_surrogate_fails_only_its_document(stub: StubServer) -> None:
    seed = json.dumps(SEED.read_text(encoding="utf-8"))
    source = Path("docs.jsonl")  # "\ud800" is a valid JSON escape that is no Unicode character
    source.write_text(f'{{"id": "a", "text": {seed}}}\n{{"id": "b", "text": "Mr Dar \\ud800 met"}}\n')
    result = runner.invoke(
        app, ["batch", "--from-jsonl", str(source), "-o", "out", "--config", str(_config(stub))]
    )
    assert result.exit_code == 6, result.stderr
    rows = {r["id"]: r for r in _manifest(Path("out"))}
    assert rows["a"]["status"] == "ok"
    assert rows["b"]["status"] == "failed" and rows["b"]["error_type"] == "InputError"
    assert "lone surrogate (U+D800)" in rows["b"]["error"] and "internal error" not in result.stderr


def test_a_second_batch_on_one_folder_is_refused_naming_the_first(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 3)
    stub.behaviour.timeout_delay = 120.0  # the first batch hangs on doc-00 until it is killed
    stub.behaviour.faults = {"Marker doc-00.": ["timeout"] * 4}
    args = ["batch", str(docs), "-o", "out", "--config", str(_config(stub)), "--concurrency", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, "-m", "summarizer", *args], env=env, stderr=subprocess.DEVNULL)
    try:
        owner = Path("out/.batch.lock.owner")
        deadline = time.monotonic() + 120
        while (  # the lock taken, and doc-00's first passes sent (each met its fault; commitments
            # wait for the participants')
            not (owner.exists() and len(stub.requests) == 3)
            and first.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert first.poll() is None and owner.exists()
        second = runner.invoke(app, args)
        assert second.exit_code == 2
        message = second.stderr.strip().splitlines()[-1]
        assert f"out/ is in use by another batch (pid {first.pid} on " in message
        assert "summarizer batch" in message and "give another --output folder" in message
        assert len(stub.requests) == 3  # the second made no request
    finally:
        first.kill()  # kill -9: the lock is the OS's, and goes with the process
        first.wait()
    third = runner.invoke(app, args)
    assert third.exit_code == 0, third.stderr
    assert not owner.exists()


def test_a_corrupt_cache_fails_no_document(stub: StubServer, tmp_path: Path) -> None:
    cache = default_cache_path()  # each test's own (conftest)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"garbage, not a database\n" * 50)
    docs = _docs(tmp_path / "docs", 8)
    args = ["batch", str(docs), "-o", "out", "--config", str(_config(stub)), "--concurrency", "4"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert {r["status"] for r in _manifest(Path("out"))} == {"ok"}
    (aside,) = cache.parent.glob("briefs.sqlite.corrupt-*")  # moved aside once, by one of the workers
    assert sum(str(aside) in line for line in result.stderr.splitlines()) == 1
    again = runner.invoke(app, [*args[:3], "again", *args[4:]])  # the new cache serves them all
    assert again.exit_code == 0 and {r["status"] for r in _manifest(Path("again"))} == {"cached"}


def test_a_killed_batchs_half_written_outputs_are_removed(stub: StubServer, tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 2)
    out = Path("out")
    (out / "sub").mkdir(parents=True)
    # What write_atomic leaves when its process is killed between creating and renaming a file.
    left = [out / ".doc-00.json.0badc0de.tmp", out / "sub" / ".x.md.12345678.tmp"]
    for path in left:
        path.write_text('{"half": ', encoding="utf-8")
    mine = [out / ".notes.tmp", out / ".doc-00.txt.0badc0de.tmp"]  # not an output's: kept
    for path in mine:
        path.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(docs), "-o", "out", "--config", str(_config(stub))])
    assert result.exit_code == 0, result.stderr
    assert [p for p in left if p.exists()] == [] and all(p.exists() for p in mine)


KILLS = 6
"""Processes killed in the fault-injection test, each at a random point of its batch."""


def test_kills_at_random_points_lose_nothing_and_brief_each_document_once(
    stub: StubServer, tmp_path: Path
) -> None:
    """kill -9 a batch KILLS times, each a random number of provider requests (then a random
    fraction of a second) after it started, then let a run finish. Seeded, so a failure repeats."""
    rng = random.Random(15)
    ids = [f"doc-{i:02d}" for i in range(24)]
    docs = _docs(tmp_path / "docs", len(ids))
    stub.behaviour.delay = 0.05
    out, cache = Path("out"), default_cache_path()
    command = [
        sys.executable,
        "-m",
        "summarizer",
        "batch",
        str(docs),
        "-o",
        "out",
        "--config",
        str(_config(stub)),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    marks = [0]  # where each run's requests start in stub.requests
    manifests: list[str] = []  # the manifest as each killed run left it
    cached: list[set[str]] = []  # the source sha256 of the briefs in the cache after each killed run
    for _ in range(KILLS):
        target = len(stub.requests) + rng.randint(1, 24)
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(stub.requests) < target and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.15))
        process.kill()
        process.wait()
        if process.returncode != -signal.SIGKILL:
            break  # it finished first: nothing more to kill
        marks.append(len(stub.requests))
        manifest = out / "manifest.jsonl"
        manifests.append(manifest.read_text(encoding="utf-8") if manifest.exists() else "")
        cached.append(_cached_sources(cache))
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert len(manifests) >= 3, "most runs should have been killed"
    marks.append(len(stub.requests))

    # Nothing lost or repeated in the manifest: append-only, every line whole, one per document.
    text = (out / "manifest.jsonl").read_text(encoding="utf-8")
    assert all(text.startswith(before) for before in manifests)
    rows = [json.loads(line) for line in text.splitlines()]
    assert sorted(r["id"] for r in rows) == ids
    assert {r["status"] for r in rows} <= {"ok", "cached"}
    # No partial output: every output whole, no temporary file left.
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        ["manifest.jsonl", *(f"{i}.json" for i in ids)]
    )
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    for r in rows:
        assert json.loads((out / f"{r['id']}.json").read_text(encoding="utf-8"))["meta"]["source_sha256"]

    # Each document briefed to the end exactly once: in the run whose end left its brief in the
    # cache, with its four passes, and never asked for again. A run killed before a brief was
    # finished paid for part of it in vain; the next run asks again.
    sha = {r["id"]: r["source_sha256"] for r in rows}
    cached.append(set(sha.values()))  # after the final run: all of them
    asked = [_requests_per_document(stub.requests[a:b]) for a, b in itertools.pairwise(marks)]
    for doc in ids:
        finished = next(n for n, briefs in enumerate(cached) if sha[doc] in briefs)
        assert asked[finished].get(doc) == 4, (doc, finished, asked)
        assert all(doc not in later for later in asked[finished + 1 :]), (doc, finished, asked)
    # And its manifest line was written by that run ("ok") or a later one (from the cache).
    written_in = [len(before.splitlines()) for before in manifests] + [len(rows)]
    for n, row in enumerate(rows):
        run = next(k for k, count in enumerate(written_in) if n < count)
        finished = next(k for k, briefs in enumerate(cached) if row["source_sha256"] in briefs)
        assert (row["status"], run) in {("ok", finished), *(("cached", k) for k in range(finished + 1, 99))}


def _requests_per_document(requests: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in requests:
        doc = re.search(r"Marker (doc-\d\d)\.", json.dumps(request["body"]["messages"]))
        assert doc is not None
        counts[doc.group(1)] = counts.get(doc.group(1), 0) + 1
    return counts


def _cached_sources(cache: Path) -> set[str]:
    """The source sha256 of every brief in the cache file."""
    if not cache.exists():
        return set()
    with contextlib.closing(sqlite3.connect(cache)) as db:
        return {
            json.loads(value)["meta"]["source_sha256"] for (value,) in db.execute("SELECT value FROM briefs")
        }
