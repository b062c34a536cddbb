"""The docs site builds strictly, documents every command, option, setting and exit code, and
shows a real sample."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import typer

from summarizer import Brief, Settings, SummarizerError, to_markdown
from summarizer._cli import app
from tests.docs.blocks import DOCS, ROOT

SAMPLES = DOCS / "samples"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build = ["mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)]
    done = subprocess.run(
        [sys.executable, "-m", *build],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    library = (site / "library" / "index.html").read_text(encoding="utf-8")
    # mkdocstrings rendered the public API from its docstrings.
    for name in ("summarize", "Summarizer", "Settings", "SummarizerError", "Brief"):
        assert f'id="summarizer.{name}"' in library, name
    assert (site / "html-view.png").is_file()


Commands = list[tuple[tuple[str, ...], click.Command]]


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Commands:
    """Every command under ``command`` with its path of names, groups included."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += _commands(sub, (*path, name))
    return found


def test_every_command_and_option_is_in_the_cli_page() -> None:
    page = "".join((DOCS / name).read_text(encoding="utf-8") for name in ("cli.md", "evaluation.md"))
    missing = []
    for path, command in _commands(typer.main.get_command(app)):
        if path and path != ("batch", "run") and f"summarizer {' '.join(path)}" not in page:
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and "--help" not in param.opts:
                longest = max(param.opts, key=len)
                if f"`{longest}" not in page and f"[{longest}" not in page:
                    missing.append(f"{' '.join(path) or 'summarizer'} {longest}")
    assert not missing, f"not documented in docs/cli.md or docs/evaluation.md: {missing}"


def test_every_setting_is_in_the_configuration_page() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\| `(\w+)` \|", page, re.MULTILINE))
    assert keys == set(Settings.model_fields)


def test_every_exit_code_is_in_the_cli_page() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    table = {int(code) for code in re.findall(r"^\| (\d+) \|", page, re.MULTILINE)}

    def codes(cls: type[SummarizerError]) -> set[int]:
        return {cls.exit_code}.union(*(codes(sub) for sub in cls.__subclasses__()))

    from summarizer import _cli

    named = {v for k, v in vars(_cli).items() if k.startswith("EXIT_") and isinstance(v, int)}
    assert codes(SummarizerError) | named | {0, 2} <= table


def test_the_sample_is_real_output() -> None:
    """Every evidence of the sample brief is the seed's text at its span, and the README's note is
    what the Markdown renderer makes of that brief (the note was written by a second run, which
    found the brief in the cache, in the time its footer gives)."""
    seed = (ROOT / "seeds" / "pakistan-us-talks.txt").read_text(encoding="utf-8")
    brief = Brief.model_validate(json.loads((SAMPLES / "seed.json").read_text(encoding="utf-8")))
    items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
    for item in items:
        assert item.span is not None and seed[item.span.start : item.span.end] == item.evidence
    note = (SAMPLES / "seed.md").read_text(encoding="utf-8")
    assert brief.meta is not None
    looked_up = re.search(r" · ([\d.]+) s · ", note)
    assert looked_up is not None
    again = brief.meta.model_copy(update={"cached": True, "latency_s": float(looked_up.group(1))})
    assert to_markdown(brief.model_copy(update={"meta": again})).strip() == note.strip()
    assert f"```markdown\n{note.strip()}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")
