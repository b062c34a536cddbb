"""The command line: parse, build Settings, call the library, render, map errors to exit codes."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(
    name="summarizer",
    help="Typed briefing notes, with quoted evidence, from reports of meetings and talks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

EXIT_INTERRUPTED = 130

_state: dict[str, bool] = {"debug": False}


class Format(StrEnum):
    md = "md"
    json = "json"


ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file to use instead of ./summarizer.toml.")
]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help='litellm model string, or "embedded".')]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"summarizer {version('summarizer')}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Log details and show tracebacks.")] = False,
) -> None:
    """Typed briefing notes, with quoted evidence, from reports of meetings and talks."""
    _state["debug"] = debug
    _setup_logging(debug)


@app.command()
def brief(
    path: Annotated[str, typer.Argument(help="The document: a text file, or - for standard input.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.md,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    model: ModelOpt = None,
    prompt: Annotated[str | None, typer.Option("--prompt", help="Prompt template name.")] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="Schema name or package.module:Model.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Write a briefing note for one document."""
    with _errors():
        from summarizer.config import load_settings
        from summarizer.core import Summarizer
        from summarizer.documents import read_document

        settings = load_settings({"model": model, "prompt": prompt, "schema": schema}, config_file=config)
        document = read_document(path, max_bytes=settings.max_document_bytes)
        if document.encoding != "utf-8":
            _note(f"note: {document.source} is not UTF-8; decoded it as {document.encoding}")
        result = Summarizer(settings).summarize(document.text)
        text = _render(result, format)
        if output is None:
            sys.stdout.write(text)
        else:
            _write_atomic(output, text)


@app.command("schema")
def schema_command(
    schema: Annotated[
        str | None, typer.Option("--schema", help="Schema name or package.module:Model.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Print the JSON Schema of the brief (what `brief --format json` writes)."""
    with _errors():
        from summarizer.config import load_settings
        from summarizer.schemas import get_schema, output_json_schema

        settings = load_settings({"schema": schema}, config_file=config)
        sys.stdout.write(json.dumps(output_json_schema(get_schema(settings.schema)), indent=2) + "\n")


@config_app.command("show")
def config_show(config: ConfigOpt = None, model: ModelOpt = None) -> None:
    """Print every effective setting and where it came from (secrets masked)."""
    with _errors():
        from rich.console import Console
        from rich.table import Table

        from summarizer.config import describe_settings

        table = Table("key", "value", "from", box=None, pad_edge=False)
        for key, value, origin in describe_settings({"model": model}, config_file=config):
            table.add_row(key, value, origin)
        Console(soft_wrap=True).print(table)


def _render(result: Any, format: Format) -> str:
    from summarizer.render import to_markdown
    from summarizer.schemas import Brief

    if format is Format.json or not isinstance(result, Brief):
        return str(result.model_dump_json(indent=2)) + "\n"
    return to_markdown(result)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path = path.expanduser()
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _errors:
    """Map every SummarizerError to one stderr line and its exit code."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, (typer.Exit, typer.Abort, SystemExit)):
            return
        from summarizer.errors import SummarizerError

        if _state["debug"]:
            import traceback

            traceback.print_exception(exc)
        if isinstance(exc, KeyboardInterrupt):
            _fail("interrupted", EXIT_INTERRUPTED)
        if isinstance(exc, SummarizerError):
            _fail(f"error: {exc}", exc.exit_code)
        if isinstance(exc, OSError):
            _fail(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 2)
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)


def _fail(message: str, code: int) -> NoReturn:
    _note(message)
    raise typer.Exit(code)


def _note(message: str) -> None:
    sys.stderr.write(message + "\n")


def _setup_logging(debug: bool) -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    handler = RichHandler(console=Console(stderr=True), show_time=False, show_path=False, markup=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("summarizer").setLevel(logging.DEBUG if debug else logging.INFO)
    if not debug:
        # instructor and litellm log failures that we report ourselves, as one line.
        for noisy in ("instructor", "LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)


def main() -> None:
    """Entry point of the ``summarizer`` command."""
    app()
