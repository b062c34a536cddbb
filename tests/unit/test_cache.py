from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

from pydantic import Field
from typer.testing import CliRunner

from summarizer.cache import BriefCache, cache_key
from summarizer.cli import app
from summarizer.core import schema_sha256
from summarizer.schemas import Brief


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
    path = Path(os.environ["SUMMARIZER_CACHE_PATH"])  # each test's own, set by conftest
    BriefCache(path).put("k", "openai/gpt-4o-mini", "{}")
    runner = CliRunner()
    stats = runner.invoke(app, ["cache", "stats"])
    assert stats.exit_code == 0 and "briefs: 1" in stats.stdout and "openai/gpt-4o-mini: 1" in stats.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert "removed 1 briefs" in cleared.stdout
    assert "briefs: 0" in runner.invoke(app, ["cache", "stats"]).stdout
