"""The fenced code blocks of the README, CONTRIBUTING.md and docs/, read with markdown-it-py.

A block preceded by ``<!-- not run: REASON -->`` is opted out of running; every other Python
and shell block runs in ``test_code_blocks.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# docs/samples/ holds real outputs, shown as they are, not documentation to run.
PAGES = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    + [p for p in DOCS.rglob("*.md") if DOCS / "samples" not in p.parents]
)

RUN = {"python", "sh"}  # executed
READ = {"toml"}  # read as a config file
SHOWN = {"text", "markdown"}  # synopses and outputs: shown, not run
OPT_OUT = re.compile(r"<!--\s*not run:\s*(?P<reason>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    not_run: str | None  # the opt-out's reason

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class OptOut:
    page: Path
    line: int
    reason: str
    precedes_a_block: bool


def read(page: Path) -> tuple[list[Block], list[OptOut]]:
    """The page's fenced blocks, and its opt-out comments with the block each one precedes."""
    tokens = MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8"))
    blocks: list[Block] = []
    opt_outs: list[OptOut] = []
    for i, token in enumerate(tokens):
        if token.type == "fence" and token.map is not None:
            before = tokens[i - 1] if i else None
            m = OPT_OUT.match(before.content.strip()) if before and before.type == "html_block" else None
            lang = token.info.split()[0] if token.info.strip() else ""
            blocks.append(Block(page, token.map[0] + 1, lang, token.content, m["reason"] if m else None))
        elif token.type == "html_block" and token.map and (m := OPT_OUT.match(token.content.strip())):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            precedes = following is not None and following.type == "fence"
            opt_outs.append(OptOut(page, token.map[0] + 1, m["reason"], precedes))
    return blocks, opt_outs


def all_blocks() -> tuple[list[Block], list[OptOut]]:
    blocks: list[Block] = []
    opt_outs: list[OptOut] = []
    for page in PAGES:
        b, o = read(page)
        blocks += b
        opt_outs += o
    return blocks, opt_outs
