from __future__ import annotations

import contextlib
import logging
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
from pydantic import Field
from typer.testing import CliRunner

from summarizer import Brief
from summarizer._cache import BriefCache, cache_key
from summarizer._cli import app
from summarizer._config import default_cache_path
from summarizer._core import schema_sha256


def test_key_covers_every_part() -> None:
    base = {"source": "a", "model": "m", "prompt": "p", "schema_version": "brief/2", "params": [0.0]}
    keys = {cache_key(**base)} | {cache_key(**{**base, k: "other"}) for k in base}
    assert len(keys) == len(base) + 1
    assert cache_key(**base) == cache_key(**dict(reversed(base.items())))


def test_an_edited_field_description_changes_the_schema_hash() -> None:
    class Edited(Brief):
        headline: str = Field(description="At most 8 words.")

    assert len(schema_sha256(Brief)) == 64
    assert schema_sha256(Edited) != schema_sha256(Brief)


def _write_50(path: Path, n: int) -> None:
    cache = BriefCache(path)
    for i in range(50):
        cache.put(f"{n}-{i}", "m", "{}")


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    cache = BriefCache(tmp_path / "c.sqlite")
    start = threading.Barrier(4)

    def write(n: int) -> None:
        start.wait()  # every thread opens its connection to the new file at once
        for i in range(50):
            cache.put(f"{n}-{i}", "m", "{}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.stats().entries == 200
    assert cache.get("3-49") == "{}" and cache.get("nope") is None


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_50, args=(path, n)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert BriefCache(path).stats().entries == 200


def test_cache_commands() -> None:
    path = default_cache_path()  # each test's own (conftest)
    BriefCache(path).put("k", "openai/gpt-4o-mini", "{}")
    runner = CliRunner()
    stats = runner.invoke(app, ["cache", "stats"])
    assert stats.exit_code == 0 and "briefs: 1" in stats.stdout and "openai/gpt-4o-mini: 1" in stats.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert "removed 1 briefs" in cleared.stdout
    assert "briefs: 0" in runner.invoke(app, ["cache", "stats"]).stdout


# --- a cache that cannot be read never fails a brief -------------------------------------------


def _garbage(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"this is not an SQLite database\n" * 100
    path.write_bytes(data)
    return data


def test_a_corrupt_cache_is_moved_aside_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "briefs.sqlite"
    data = _garbage(path)
    cache = BriefCache(path)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        assert cache.get("k") is None
        cache.put("k", "m", "{}")
        assert cache.get("k") == "{}"
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("briefs.sqlite.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == data
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(path) in warnings[0] and str(aside[0]) in warnings[0]


def test_a_damaged_table_is_a_miss_and_never_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "briefs.sqlite"
    cache = BriefCache(path)
    for i in range(200):
        cache.put(f"k{i}", "m", "x" * 2000)
    cache.close()
    with contextlib.closing(sqlite3.connect(path)) as db:  # the last connection: the WAL is checkpointed
        page = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'briefs'").fetchone()[0]
    assert not Path(f"{path}-wal").exists()
    with path.open("r+b") as f:  # the table's root page: the header (page 1) stays intact
        f.seek((root - 1) * page)
        f.write(b"\xff" * page)
    damaged = BriefCache(path)
    with caplog.at_level(logging.WARNING, logger="summarizer"):
        assert damaged.get("k1") is None
        damaged.put("new", "m", "{}")  # the write fails too: logged, never raised
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(path) in warnings[0] and "malformed" in warnings[0]
    assert [p.name for p in tmp_path.iterdir() if "corrupt" in p.name] == []  # opened fine: kept


def test_cache_commands_work_on_a_corrupt_file() -> None:
    path = default_cache_path()
    _garbage(path)
    runner = CliRunner()
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.stderr
    assert "removed 0 briefs" in cleared.stdout and "corrupt-" in cleared.stderr
    stats = runner.invoke(app, ["cache", "stats"])
    assert stats.exit_code == 0 and "briefs: 0" in stats.stdout
