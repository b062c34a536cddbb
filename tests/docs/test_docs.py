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

from summarizer import Brief, Settings
from summarizer.cli import app
from summarizer.errors import SummarizerError
from summarizer.render.markdown import to_markdown
from tests.docs.blocks import DOCS, ROOT

SAMPLES = DOCS / "samples"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
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


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += _commands(sub, (*path, name))
    return found


def test_every_command_and_option_is_in_the_cli_page() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8") + (DOCS / "evaluation.md").read_text(encoding="utf-8")
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

    from summarizer import cli

    others = {value for name, value in vars(cli).items() if name.startswith("EXIT_") and isinstance(value, int)}
    assert codes(SummarizerError) | others | {0, 2} <= table


def test_the_sample_is_real_output() -> None:
    """Every evidence of the sample brief is the seed's text at its span, and the README's note is
    what the Markdown renderer makes of that brief."""
    seed = (ROOT / "seeds" / "pakistan-us-talks.txt").read_text(encoding="utf-8")
    brief = Brief.model_validate(json.loads((SAMPLES / "seed.json").read_text(encoding="utf-8")))
    items = [*brief.participants, *brief.agenda_items, *brief.commitments, brief.tone]
    for item in items:
        assert item.span is not None and seed[item.span.start : item.span.end] == item.evidence
    note = (SAMPLES / "seed.md").read_text(encoding="utf-8")
    assert to_markdown(brief).strip() == note.strip()
    assert f"```markdown\n{note.strip()}\n```" in (ROOT / "README.md").read_text(encoding="utf-8")
