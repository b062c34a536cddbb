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
    html = "html"


ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file to use instead of ./summarizer.toml.")
]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help='litellm model string, or "embedded".')]
PromptOpt = Annotated[str | None, typer.Option("--prompt", help="Prompt template name.")]
SchemaOpt = Annotated[str | None, typer.Option("--schema", help="Schema name or package.module:Model.")]


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
    format: Annotated[
        Format,
        typer.Option("--format", "-f", help="md: a note to read; json: the Brief; html: note beside source."),
    ] = Format.md,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    model: ModelOpt = None,
    prompt: PromptOpt = None,
    schema: SchemaOpt = None,
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
        text = _render(result, format, document.text)
        if output is None:
            sys.stdout.write(text)
        else:
            _write_atomic(output, text)


@app.command("schema")
def schema_command(
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print the JSON Schema of the brief (what `brief --format json` writes)."""
    with _errors():
        from summarizer.config import load_settings
        from summarizer.schemas import get_schema, output_json_schema

        settings = load_settings({"schema": schema}, config_file=config)
        sys.stdout.write(json.dumps(output_json_schema(get_schema(settings.schema)), indent=2) + "\n")


@app.command("eval")
def eval_command(
    cases: Annotated[
        list[Path] | None, typer.Argument(help="JSONL case files, or folders of them.", show_default=False)
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the reports.")] = Path(
        "eval-out"
    ),
    limit: Annotated[int | None, typer.Option(help="Score at most N cases.", min=1)] = None,
    sample: Annotated[int | None, typer.Option(help="Score a random sample of N cases.", min=1)] = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample.")] = 0,
    source: Annotated[str | None, typer.Option(help="Only cases whose id starts with NAME-.")] = None,
    concurrency: Annotated[int, typer.Option(help="Cases in flight at once.", min=1)] = 1,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(help="Print the per-field deltas between two report.json files.", show_default=False),
    ] = None,
    model: ModelOpt = None,
    prompt: PromptOpt = None,
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score briefs against gold cases: a table, report.json, predictions.jsonl and mistakes.md."""
    if compare is None and not cases:
        raise typer.BadParameter("give case files or folders, or --compare A B")
    with _errors():
        if compare is not None:
            _print_comparison(*compare)
            return
        import asyncio

        from summarizer import evaluation
        from summarizer.config import load_settings
        from summarizer.core import Summarizer

        settings = load_settings({"model": model, "prompt": prompt, "schema": schema}, config_file=config)
        chosen = evaluation.select_cases(
            evaluation.load_cases(cases or []), source=source, sample=sample, seed=seed, limit=limit
        )
        output.mkdir(parents=True, exist_ok=True)
        summarizer = Summarizer(settings)
        outcomes = asyncio.run(_run_eval(summarizer, chosen, concurrency, output))
        scores, summary = evaluation.score(outcomes)
        report = evaluation.build_report(outcomes, summary, evaluation.report_key(summarizer, outcomes))
        evaluation.write_json(output / "report.json", report)
        (output / "mistakes.md").write_text(evaluation.mistakes_markdown(outcomes, scores), encoding="utf-8")
        _print_scores(report)
        failed = report["failed"]
        _note(
            f"{len(outcomes)} cases, {len(failed)} failed (scored as empty briefs; see"
            f" {output / 'predictions.jsonl'}); reports in {output}/"
        )


async def _run_eval(summarizer: Any, cases: list[Any], concurrency: int, output: Path) -> list[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from summarizer import evaluation

    with (
        (output / "predictions.jsonl").open("w", encoding="utf-8") as predictions,
        Progress(
            TextColumn("eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        ) as progress,
    ):
        task = progress.add_task("eval", total=len(cases), failed=0)
        failed = 0

        def done(outcome: Any) -> None:
            nonlocal failed
            predictions.write(evaluation.prediction_line(outcome) + "\n")
            predictions.flush()
            failed += outcome.error is not None
            progress.update(task, advance=1, failed=failed)

        return await evaluation.run_cases(summarizer, cases, concurrency=concurrency, on_done=done)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_scores(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    key = report["key"]
    table = Table(
        "source",
        "field",
        "cases",
        "gold",
        "pred",
        "matched",
        "P",
        "R",
        "F1",
        "pred/case",
        "gold/case",
        title=f"{key['model']} · prompt {key['prompt']} {str(key['prompt_sha256'])[:12]}"
        f" · {key['schema_version']}",
    )
    for group, fields in report["scores"].items():
        for name in ("participants", "commitments", "agenda"):
            f = fields.get(name)
            if not f:
                continue
            prf = f.get("prf") or {}
            recall = _fmt(f["recall"])
            if prf and prf["cases"] != f["cases"]:
                recall += f" (prf {_fmt(prf['recall'])})"
            table.add_row(
                group,
                name,
                str(f["cases"]),
                str(f["gold"]),
                str(f["pred"]),
                str(f["matched_gold"]),
                _fmt(prf.get("precision")),
                recall,
                _fmt(prf.get("f1")),
                f"{f['pred_per_case']:.2f}",
                f"{f['gold_per_case']:.2f}",
            )
        tone = fields.get("tone")
        if tone:
            table.add_row(
                group,
                "tone (accuracy)",
                str(tone["cases"]),
                "",
                "",
                str(tone["correct"]),
                "",
                _fmt(tone["accuracy"]),
                "",
                "",
                "",
            )
    Console().print(table)


def _print_comparison(a_path: Path, b_path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from summarizer.evaluation import compare_reports

    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (a_path, b_path))
    table = Table("source", "field", "metric", "A", "B", "B - A", title=f"A = {a_path}   B = {b_path}")
    for group, field_name, metric, va, vb in compare_reports(a, b):
        delta = "-" if va is None or vb is None else f"{vb - va:+.3f}"
        table.add_row(group, field_name, metric, _fmt(va), _fmt(vb), delta)
    Console().print(table)


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


def _render(result: Any, format: Format, source: str) -> str:
    from summarizer.render import to_html, to_markdown
    from summarizer.schemas import Brief

    if format is Format.json or not isinstance(result, Brief):
        return str(result.model_dump_json(indent=2)) + "\n"
    return to_html(result, source) if format is Format.html else to_markdown(result)


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
