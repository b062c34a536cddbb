"""Every code block of the README, CONTRIBUTING.md and docs/ runs, or says why it cannot.

Python blocks are executed as pasted, each on its own, and shell blocks run in bash, from a
folder that looks like the top of a checkout, with a loopback stub as the provider (the
examples brief documents for real, through every layer but the model). TOML blocks are read
as config files. A block preceded by ``<!-- not run: REASON -->`` is skipped with that reason,
so ``pytest -ra`` counts them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch_stub import BatchStub
from tests.docs.blocks import READ, ROOT, RUN, SHOWN, Block, all_blocks

BLOCKS, OPT_OUTS = all_blocks()
TIMEOUT = 120  # seconds for one block: each is quick against the stub


@pytest.fixture
def checkout(isolated_config: Path) -> Path:
    """The test's working folder, made to look like the top of a checkout (files written land here)."""
    for entry in ROOT.iterdir():
        if not entry.name.startswith("."):
            (isolated_config / entry.name).symlink_to(entry)
    return isolated_config


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchStub]:
    """A loopback OpenAI-compatible stub (with the Files and Batches API) as the configured provider."""
    with BatchStub() as stub:
        monkeypatch.setenv("SUMMARIZER_MODEL", "openai/gpt-4o-mini")
        monkeypatch.setenv("SUMMARIZER_API_BASE", stub.api_base)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-stub-0123456789")
        yield stub


def _ids(blocks: list[Block]) -> list[str]:
    return [b.id for b in blocks]


RUNNABLE = [b for b in BLOCKS if b.lang in RUN]
PYTHON = [b for b in RUNNABLE if b.lang == "python"]
SHELL = [b for b in RUNNABLE if b.lang == "sh"]
TOML = [b for b in BLOCKS if b.lang in READ]


def test_every_block_names_a_language_the_tests_know() -> None:
    unknown = [f"{b.id} ({b.lang or 'no language'})" for b in BLOCKS if b.lang not in RUN | READ | SHOWN]
    assert not unknown, f"blocks neither run, read nor marked as shown text: {unknown}"


def test_each_opt_out_stands_before_a_block_it_can_skip_and_says_why() -> None:
    for o in OPT_OUTS:
        where = f"{o.page.relative_to(ROOT)}:{o.line}"
        assert o.precedes_a_block, f"{where}: a not-run comment must stand right before a code block"
        assert o.reason, f"{where}: a not-run comment must say why"
    skipped = [b for b in BLOCKS if b.not_run is not None]
    assert all(b.lang in RUN for b in skipped), "only Python and shell blocks can be opted out"
    # In the README, only the two set-up commands (they install packages) may stay unrun.
    readme = [b for b in skipped if b.page.name == "README.md"]
    assert len(readme) <= 2 and all("pip install" in b.code for b in readme)


def test_the_readme_has_a_python_example_that_runs() -> None:
    readme = [b for b in PYTHON if b.page.name == "README.md"]
    assert readme and all(b.not_run is None for b in readme)


@pytest.mark.parametrize("block", PYTHON, ids=_ids(PYTHON))
def test_python_block_runs(
    block: Block, checkout: Path, provider: BatchStub, capsys: pytest.CaptureFixture[str]
) -> None:
    if block.not_run is not None:
        pytest.skip(f"{block.id} not run: {block.not_run}")
    code = compile(block.code, block.id, "exec")
    failures: list[BaseException] = []

    def run() -> None:
        try:
            exec(code, {"__name__": "__main__"})  # fresh globals: the block runs as pasted, on its own
        except BaseException as e:
            failures.append(e)

    # A thread, so that an example that hangs fails the test instead of stopping the suite.
    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(TIMEOUT)
    assert not runner.is_alive(), f"{block.id} still running after {TIMEOUT} s"
    if failures:
        raise failures[0]
    assert capsys.readouterr().out.strip(), "an example shows what it does: it prints"


@pytest.mark.parametrize("block", SHELL, ids=_ids(SHELL))
def test_shell_block_runs(block: Block, checkout: Path, provider: BatchStub) -> None:
    if block.not_run is not None:
        pytest.skip(f"{block.id} not run: {block.not_run}")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    with subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", block.code],
        cwd=checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a timeout ends everything it started
    ) as shell:
        try:
            _, stderr = shell.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.communicate()
            pytest.fail(f"{block.id} still running after {TIMEOUT} s")
    assert shell.returncode == 0, f"{block.id} exited {shell.returncode}:\n{stderr}"


@pytest.mark.parametrize("block", TOML, ids=_ids(TOML))
def test_toml_block_is_a_valid_config(block: Block, checkout: Path) -> None:
    import tomllib

    from summarizer import load_settings

    config = checkout / "block.toml"
    config.write_text(block.code, encoding="utf-8")
    settings = load_settings(config_file=config)  # unknown keys and bad values raise ConfigError
    for key, value in tomllib.loads(block.code).items():
        assert getattr(settings, key) == value, key
