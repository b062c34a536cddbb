"""The command line: parse, build Settings, call the library, render, map errors to exit codes."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup


def _flag(*names: str, help: str, **options: Any) -> Any:
    """A plain on/off flag: the help shows no value type after it (typer would write <bool>)."""
    return typer.Option(*names, help=help, metavar="", **options)


def _plain_help(option: Any) -> Any:
    if option is not None:
        option.metavar = ""  # --help is a plain flag too
    return option


class _Group(TyperGroup):
    def get_help_option(self, ctx: Any) -> Any:
        return _plain_help(super().get_help_option(ctx))


class _Command(TyperCommand):
    def get_help_option(self, ctx: Any) -> Any:
        return _plain_help(super().get_help_option(ctx))


class _BatchGroup(_Group):
    """``batch INPUTS...`` runs ``batch run``; ``batch status DIR`` and ``batch collect DIR`` are the
    provider route's other steps. (A document named ``status`` or ``collect``: write ``./status``.)"""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="summarizer",
    help="Typed briefing notes, with quoted evidence, from reports of meetings and talks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True, cls=_Group)
app.add_typer(config_app, name="config")
cache_app = typer.Typer(help="Inspect or empty the cache of briefs.", no_args_is_help=True, cls=_Group)
app.add_typer(cache_app, name="cache")
batch_app = typer.Typer(
    cls=_BatchGroup,
    help="Brief many documents into a folder: `summarizer batch INPUTS...` (batch run), directly or"
    " through a provider's batch API (--via provider, then batch status and batch collect).",
)
app.add_typer(batch_app, name="batch")

EXIT_BATCH_FAILED = 6
EXIT_NOT_FINISHED = 8
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
NoCacheOpt = Annotated[bool, _flag("--no-cache", help="Neither read nor write the cache of briefs.")]


def _overrides(model: str | None, prompt: str | None, schema: str | None, no_cache: bool) -> dict[str, Any]:
    return {"model": model, "prompt": prompt, "schema": schema, "cache": False if no_cache else None}


def _version(value: bool) -> None:
    if value:
        from summarizer._version import package_version

        typer.echo(f"summarizer {package_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, _flag("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, _flag("--debug", help="Log details and show tracebacks.")] = False,
) -> None:
    """Typed briefing notes, with quoted evidence, from reports of meetings and talks."""
    _state["debug"] = debug
    _setup_logging(debug)


@app.command(cls=_Command)
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
    no_cache: NoCacheOpt = False,
    quiet: Annotated[bool, _flag("--quiet", "-q", help="No progress display on stderr.")] = False,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="USD; start no part of a long document that would exceed it.", min=0),
    ] = None,
) -> None:
    """Write a briefing note for one document."""
    with _errors():
        from summarizer._config import load_settings
        from summarizer._core import Summarizer
        from summarizer._documents import read_document
        from summarizer._files import write_atomic
        from summarizer._render import render

        settings = load_settings(_overrides(model, prompt, schema, no_cache), config_file=config)
        document = read_document(path, max_bytes=settings.max_document_bytes)
        if document.encoding != "utf-8":
            _note(f"note: {document.source} is not UTF-8; decoded it as {document.encoding}")
        display = not quiet and sys.stderr.isatty()
        with _brief_progress(document.source, display=display) as progress, _logs_to_stderr():
            result = Summarizer(settings).summarize(document.text, progress=progress, max_cost=max_cost)
        text = render(result, format.value, document.text)
        if output is None:
            sys.stdout.write(text)
        else:
            write_atomic(output, text)


MANY_PARTS = 3
"""A document briefed in more parts than this is told how many, before the first."""


@contextlib.contextmanager
def _brief_progress(source: str, *, display: bool) -> Iterator[Callable[[Any], None]]:
    """What the model is doing, on stderr: how many parts a long document takes, before the
    first; and with ``display``, a live line with the pass, the part, tokens written, elapsed."""
    import threading

    told = threading.Lock()  # taken once; a hosted provider's passes report at once, from threads

    def parts(p: Any, say: Callable[[str], None]) -> None:
        if p.parts > MANY_PARTS and told.acquire(blocking=False):
            say(f"note: {source} is long: briefing it in {p.parts} parts, one after another")

    if not display:
        yield lambda p: parts(p, _note)
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("starting the model")

        def show(p: Any) -> None:
            parts(p, lambda line: bar.console.print(line, markup=False, highlight=False, soft_wrap=True))
            part = f" (part {p.part} of {p.parts})" if p.parts > 1 else ""
            bar.update(task, description=f"{p.step}{part}: {p.completion_tokens} tokens written")

        yield show


@contextlib.contextmanager
def _logs_to_stderr() -> Iterator[None]:
    """While the library works, standard output is standard error: stdout holds data only, and
    whatever else writes there (litellm's log handler sends debug records to stdout; a stray
    print) goes to stderr."""
    if not _state.get("debug"):
        from summarizer._litellm_loader import configure_litellm

        configure_litellm(_quiet_litellm)
    with contextlib.redirect_stdout(sys.stderr):
        yield


@app.command("schema", cls=_Command)
def schema_command(
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print the JSON Schema of the brief (what `brief --format json` writes)."""
    with _errors():
        from summarizer._config import load_settings
        from summarizer.schemas import get_schema, output_json_schema

        settings = load_settings({"schema": schema}, config_file=config)
        sys.stdout.write(json.dumps(output_json_schema(get_schema(settings.schema)), indent=2) + "\n")


@app.command("eval", cls=_Command)
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
    predictions: Annotated[
        list[Path] | None,
        typer.Option(
            "--predictions",
            help="Score the briefs in this predictions.jsonl (repeatable; a later line wins) instead"
            " of running the model.",
            show_default=False,
        ),
    ] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(help="Print the per-field deltas between two report.json files.", show_default=False),
    ] = None,
    model: ModelOpt = None,
    prompt: PromptOpt = None,
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Score briefs against gold cases: a table, report.json, predictions.jsonl and mistakes.md."""
    if compare is None and not cases:
        raise typer.BadParameter("give case files or folders, or --compare A B")
    with _errors():
        if compare is not None:
            _print_comparison(*compare)
            return
        import asyncio

        from summarizer import _evaluation
        from summarizer._config import load_settings
        from summarizer._core import Summarizer
        from summarizer._errors import InputError

        settings = load_settings(_overrides(model, prompt, schema, no_cache), config_file=config)
        chosen = _evaluation.select_cases(
            _evaluation.load_cases(cases or []), source=source, sample=sample, seed=seed, limit=limit
        )
        if predictions:
            outcomes = _evaluation.load_predictions(predictions, chosen)
            if not outcomes:
                raise InputError("none of the cases has a prediction in the given files")
            if len(outcomes) < len(chosen):
                missing = len(chosen) - len(outcomes)
                _note(f"{missing} of {len(chosen)} cases have no prediction; scoring the rest")
            output.mkdir(parents=True, exist_ok=True)
        else:
            output.mkdir(parents=True, exist_ok=True)
            with _logs_to_stderr():
                outcomes = asyncio.run(_run_eval(Summarizer(settings), chosen, concurrency, output))
        scores, summary = _evaluation.score(outcomes)
        report = _evaluation.build_report(outcomes, summary, _evaluation.report_key(settings, outcomes))
        _evaluation.write_json(output / "report.json", report)
        (output / "mistakes.md").write_text(_evaluation.mistakes_markdown(outcomes, scores), encoding="utf-8")
        _print_scores(report)
        failed = report["failed"]
        briefs = ", ".join(map(str, predictions)) if predictions else output / "predictions.jsonl"
        cached = f", {report['cached']} from the cache" if report["cached"] else ""
        _note(
            f"{len(outcomes)} cases{cached}, {len(failed)} failed (scored as empty briefs; see {briefs});"
            f" reports in {output}/"
        )


async def _run_eval(summarizer: Any, cases: list[Any], concurrency: int, output: Path) -> list[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from summarizer import _evaluation

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
            predictions.write(_evaluation.prediction_line(outcome) + "\n")
            predictions.flush()
            failed += outcome.error is not None
            progress.update(task, advance=1, failed=failed)

        return await _evaluation.run_cases(summarizer, cases, concurrency=concurrency, on_done=done)


class BatchFormat(StrEnum):
    json = "json"
    md = "md"
    html = "html"
    all = "all"


class Via(StrEnum):
    direct = "direct"
    provider = "provider"


class Reask(StrEnum):
    batch = "batch"
    direct = "direct"


@batch_app.command("run", cls=_Command)
def batch_command(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Files, folders (their .txt, .md, .text files) and globs.", show_default=False),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the briefs and manifest.jsonl.")
    ] = Path("briefs"),
    from_jsonl: Annotated[
        Path | None,
        typer.Option("--from-jsonl", help='Also read {"id", "text"} lines from FILE (- for stdin).'),
    ] = None,
    format: Annotated[
        BatchFormat, typer.Option("--format", "-f", help="Output format(s).")
    ] = BatchFormat.json,
    concurrency: Annotated[int, typer.Option(help="Documents in flight at once.", min=1)] = 4,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            help="USD; start no document that would exceed it (--via provider: submit nothing if the"
            " estimate is over it).",
            min=0,
        ),
    ] = None,
    force: Annotated[bool, _flag("--force", help="Redo documents the manifest says are done.")] = False,
    via: Annotated[
        Via,
        typer.Option(
            "--via",
            help="direct: ask now, --concurrency documents at a time. provider: the provider's batch API"
            " (OpenAI, Anthropic), at batch prices, answered within 24 hours: then `batch collect DIR`.",
        ),
    ] = Via.direct,
    model: ModelOpt = None,
    prompt: PromptOpt = None,
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Brief many documents into a folder, with a manifest; a re-run resumes where it stopped.

    The default command of batch: `summarizer batch INPUTS...`.
    """
    if not inputs and from_jsonl is None:
        raise typer.BadParameter("give files, folders or globs, or --from-jsonl FILE")
    with _errors():
        import asyncio
        import shlex

        from summarizer import _batch, _manifest, _provider_batch
        from summarizer._config import load_settings
        from summarizer._core import Summarizer
        from summarizer._errors import InputError
        from summarizer._folder_lock import folder_lock

        settings = load_settings(_overrides(model, prompt, schema, no_cache), config_file=config)
        formats = ["json", "md", "html"] if format is BatchFormat.all else [format.value]
        if via is Via.provider:
            from summarizer._batch_api import refuse_unbatchable

            refuse_unbatchable(settings)  # before reading any document
        docs = _batch.collect(inputs or [], from_jsonl=from_jsonl, max_bytes=settings.max_document_bytes)
        command = shlex.join(["summarizer", *sys.argv[1:]])
        if via is Via.provider:
            with _logs_to_stderr():
                job = _provider_batch.submit(
                    Summarizer(settings),
                    docs,
                    output,
                    formats=formats,
                    max_cost=max_cost,
                    force=force,
                    command=command,
                )
            _print_submitted(job)
            if job.failed:
                _fail(
                    f'error: {job.failed} documents failed: see the lines with "status": "failed"'
                    f" in {output / 'manifest.jsonl'}",
                    EXIT_BATCH_FAILED,
                )
            return
        if _provider_batch.is_open(output):
            raise InputError(
                f"{output}/ has a provider batch not yet collected: run `summarizer batch collect {output}`,"
                " or give another --output folder"
            )
        with folder_lock(output, command):
            _manifest.remove_partial_outputs(output)
            book = _manifest.Manifest(output)
            todo, done_before = _manifest.pending(docs, book, force=force)
            if done_before:
                done = f"{done_before} of {len(docs)} documents already done in {output}/"
                _note(f"{done} (--force redoes them)")
            try:
                with _logs_to_stderr():
                    counts, interrupted = asyncio.run(
                        _run_batch(Summarizer(settings), todo, book, formats, concurrency, max_cost)
                    )
            finally:
                book.close()
        _note(
            f"{counts['ok']} briefed, {counts['cached']} from the cache, {counts['failed']} failed,"
            f" {counts['skipped']} skipped; spent ${counts['spent']:.4f}; manifest: {book.path}"
        )
        if interrupted:
            _fail(
                f"interrupted: {len(todo) - sum(counts[k] for k in ('ok', 'cached', 'failed', 'skipped'))}"
                " documents not done; run the same command again to resume",
                EXIT_INTERRUPTED,
            )
        if counts["failed"]:
            _fail(
                f'error: {counts["failed"]} documents failed: see the lines with "status": "failed"'
                f" in {book.path}",
                EXIT_BATCH_FAILED,
            )


async def _run_batch(
    summarizer: Any, docs: list[Any], book: Any, formats: list[str], concurrency: int, max_cost: float | None
) -> tuple[dict[str, Any], bool]:
    """Run the batch under a progress bar; the first Ctrl-C stops starting documents, the second cancels."""
    import asyncio
    import signal

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from summarizer._manifest import write_outputs

    counts: dict[str, Any] = {"ok": 0, "cached": 0, "failed": 0, "skipped": 0, "spent": 0.0}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()

    def interrupt() -> None:
        if stop.is_set() and main is not None:
            main.cancel()
            return
        stop.set()
        _note("stopping: finishing the documents in flight (Ctrl-C again to cancel them)")

    loop.add_signal_handler(signal.SIGINT, interrupt)
    columns = (
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[cached]} cached · {task.fields[failed]} failed · ${task.fields[spent]:.4f}"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=Console(stderr=True)) as progress:
            task = progress.add_task("batch", total=len(docs), cached=0, failed=0, spent=0.0)
            async for result in summarizer.batch(docs, concurrency=concurrency, max_cost=max_cost, stop=stop):
                if result.status in ("ok", "cached"):
                    try:
                        result.outputs = await asyncio.to_thread(write_outputs, result, book.outdir, formats)
                    except OSError as e:
                        result.status, result.error_type, result.error = "failed", "OSError", str(e)
                book.append(result.manifest_line())
                counts[result.status] += 1
                if result.status == "ok":
                    counts["spent"] += getattr(result.brief.meta, "cost_usd", 0.0) or 0.0
                progress.update(
                    task, advance=1, cached=counts["cached"], failed=counts["failed"], spent=counts["spent"]
                )
    except asyncio.CancelledError:
        return counts, True
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    return counts, stop.is_set()


def _print_submitted(job: Any) -> None:
    """What was submitted, what it should cost, and how to collect it."""
    e = job.estimate
    before = [
        f"{job.done_before} already done" if job.done_before else "",
        f"{job.cached} from the cache" if job.cached else "",
        f"{job.failed} failed (see the manifest)" if job.failed else "",
    ]
    if any(before):
        _note("; ".join(b for b in before if b))
    if not job.jobs:
        _note(f"nothing to submit: every document is done in {job.outdir}/")
        return
    batches = f"{len(job.jobs)} batch" + ("es" if len(job.jobs) > 1 else "")
    _note(
        f"submitted {e.requests:,} requests ({job.documents:,} documents, {job.parts:,} parts) to"
        f" {job.provider} in {batches}: {', '.join(job.jobs)}"
    )
    if e.batch_usd is None:
        _note(f"estimated cost: unknown ({job.model} has no price in litellm's price map)")
    else:
        source = "litellm's batch prices" if e.prices == "price map" else "half the direct price"
        _note(
            f"estimated cost: ${e.batch_usd:.4f} at batch prices ({source}; ${e.direct_usd:.4f} direct),"
            f" for {e.prompt_tokens:,} prompt tokens and {e.completion_tokens:,} answer tokens;"
            f" at most ${e.ceiling_usd:.4f} if every answer took max_tokens"
        )
    _note(
        f"answers come within 24 hours: `summarizer batch status {job.outdir}` shows progress,"
        f" `summarizer batch collect {job.outdir}` writes the briefs"
    )


DirArg = Annotated[Path, typer.Argument(help="The output folder the provider batch was submitted for.")]


@batch_app.command("status", cls=_Command)
def batch_status_command(output: DirArg, config: ConfigOpt = None) -> None:
    """Show where a provider batch stands: its batches at the provider, and its documents."""
    with _errors():
        from rich.console import Console
        from rich.table import Table

        from summarizer import _provider_batch
        from summarizer._config import load_settings

        settings = load_settings({}, config_file=config)
        with _logs_to_stderr():
            progress = _provider_batch.status(settings, output)
        table = Table("batch", "round", "requests", "status", "succeeded", "failed", box=None, pad_edge=False)
        for job in progress.jobs:
            done = job.status == "collected"
            table.add_row(
                job.id,
                str(job.round),
                f"{job.requests:,}",
                job.status,
                "" if done else f"{job.succeeded:,}",
                "" if done else f"{job.failed:,}",
            )
        Console(soft_wrap=True).print(table)
        typer.echo(_progress_line(progress))


def _progress_line(p: Any) -> str:
    spent = f"; spent ${p.spent_usd:.4f}" if p.spent_usd else ""
    return (
        f"{p.provider} {p.model}, round {p.rounds}: {p.written:,} of {p.documents:,} documents written,"
        f" {p.failed:,} failed, {p.waiting:,} waiting{spent}"
    )


@batch_app.command("collect", cls=_Command)
def batch_collect_command(
    output: DirArg,
    reask: Annotated[
        Reask,
        typer.Option("--reask", help="Ask again what fails the checks in a new provider batch, or directly."),
    ] = Reask.batch,
    wait: Annotated[
        bool,
        _flag("--wait/--no-wait", help="Poll until every document is done, or look once."),
    ] = True,
    poll: Annotated[
        float, typer.Option("--poll", help="Seconds between looks at the provider.", min=0)
    ] = 60.0,
    concurrency: Annotated[int, typer.Option(help="Direct re-asks in flight at once.", min=1)] = 4,
    config: ConfigOpt = None,
) -> None:
    """Collect a provider batch: check and write each document's brief as its answers come in."""
    with _errors():
        from summarizer import _provider_batch
        from summarizer._config import load_settings

        settings = load_settings({}, config_file=config)
        shown: list[str] = []

        def show(progress: Any) -> None:
            line = _progress_line(progress)
            if not shown or shown[-1] != line:
                _note(line)
                shown.append(line)

        import shlex

        try:
            with _logs_to_stderr():
                collection = _provider_batch.collect(
                    settings,
                    output,
                    reask=reask.value,
                    wait=wait,
                    poll_interval=poll,
                    concurrency=concurrency,
                    on_progress=show,
                    command=shlex.join(["summarizer", *sys.argv[1:]]),
                )
        except KeyboardInterrupt:
            _fail(
                f"interrupted: what was collected is written; run `summarizer batch collect {output}`"
                " again to resume",
                EXIT_INTERRUPTED,
            )
        progress = collection.progress
        manifest = output / "manifest.jsonl"
        if progress.failed:
            _fail(
                f'error: {progress.failed} documents failed: see the lines with "status": "failed"'
                f" in {manifest}",
                EXIT_BATCH_FAILED,
            )
        if not progress.finished:
            _fail(
                f"{progress.waiting:,} documents still in the provider's batches: run"
                f" `summarizer batch collect {output}` again later",
                EXIT_NOT_FINISHED,
            )
        _note(f"done: every document is written; manifest: {manifest}")


@app.command("serve", cls=_Command)
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes; each loads its own model.", min=1)] = 1,
    config: ConfigOpt = None,
    insecure: Annotated[
        bool, _flag("--insecure", help="Serve a non-loopback host without bearer tokens.")
    ] = False,
) -> None:
    """Serve the HTTP API and the page at /, on uvicorn."""
    with _errors():
        import ipaddress

        from summarizer._config import load_settings
        from summarizer._errors import ConfigError

        try:  # the [service] extra
            import uvicorn

            from summarizer._service import CONFIG_ENV
        except ModuleNotFoundError as e:
            raise ConfigError(
                f"the HTTP service is not installed (no module {e.name}): pip install 'summarizer[service]'"
            ) from e

        settings = load_settings({}, config_file=config)  # fail here, once, on a bad config
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not settings.service_tokens and not loopback and not insecure:
            raise ConfigError(
                f"refusing to serve {host} without a bearer token: set service_tokens (or"
                " SUMMARIZER_SERVICE_TOKENS), or pass --insecure"
            )
        if config is not None:
            os.environ[CONFIG_ENV] = str(config.resolve())
        if not settings.service_tokens:
            _note("warning: no service_tokens: every client on this host can use the service")
        with _logs_to_stderr():
            uvicorn.run(
                "summarizer._service:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                access_log=False,  # ours is structured and leaves out query strings
                log_config=None,
            )


@cache_app.command("stats", cls=_Command)
def cache_stats(config: ConfigOpt = None) -> None:
    """Where the cache is, how many briefs it holds, and its size."""
    with _errors():
        from summarizer._config import load_settings
        from summarizer._core import Summarizer

        stats = Summarizer(load_settings({}, config_file=config)).cache.stats()
        typer.echo(f"path: {stats.path}\nbriefs: {stats.entries}\nsize: {stats.size_bytes / 1e6:.1f} MB")
        for model, count in sorted(stats.models.items()):
            typer.echo(f"  {model}: {count}")


@cache_app.command("clear", cls=_Command)
def cache_clear(config: ConfigOpt = None) -> None:
    """Delete every cached brief."""
    with _errors():
        from summarizer._config import load_settings
        from summarizer._core import Summarizer

        removed = Summarizer(load_settings({}, config_file=config)).cache.clear()
        typer.echo(f"removed {removed} briefs from the cache")


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
        # Rows with a single share, shown in the R column.
        tone = fields.get("tone")
        if tone:
            row = [str(tone["cases"]), "", "", str(tone["correct"]), "", _fmt(tone["accuracy"])]
            table.add_row(group, "tone (accuracy)", *row)
        evidence = fields.get("evidence")
        if evidence and evidence["items"]:
            row = [str(fields["cases"]), "", str(evidence["items"]), str(evidence["aligned"]), ""]
            table.add_row(group, "evidence (aligned)", *row, _fmt(evidence["share"]))
    Console().print(table)


def _print_comparison(a_path: Path, b_path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from summarizer._evaluation import compare_reports

    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (a_path, b_path))
    table = Table("source", "field", "metric", "A", "B", "B - A", title=f"A = {a_path}   B = {b_path}")
    for group, field_name, metric, va, vb in compare_reports(a, b):
        delta = "-" if va is None or vb is None else f"{vb - va:+.3f}"
        table.add_row(group, field_name, metric, _fmt(va), _fmt(vb), delta)
    Console().print(table)


@config_app.command("show", cls=_Command)
def config_show(config: ConfigOpt = None, model: ModelOpt = None) -> None:
    """Print every effective setting and where it came from (secrets masked)."""
    with _errors():
        from summarizer._config import describe_settings

        rows = [("key", "value", "from"), *describe_settings({"model": model}, config_file=config)]
        # Plain columns, never cut to the terminal's width: a path or a URL shown can be copied.
        key_width, value_width = (max(len(row[i]) for row in rows) for i in (0, 1))
        for key, value, origin in rows:
            sys.stdout.write(f"{key:<{key_width}}  {value:<{value_width}}  {origin}\n")


class _errors:
    """Map every SummarizerError to one stderr line and its exit code."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, (typer.Exit, typer.Abort, SystemExit)):
            return
        from summarizer._errors import SummarizerError

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
    """Logs go to stderr: with --debug, every logger's details through rich; otherwise our own
    warnings, each as one plain line (no wrapping, so a path in it can be copied)."""
    handler: logging.Handler
    if debug:
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(console=Console(stderr=True), show_time=False, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLine())
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("summarizer").setLevel(logging.DEBUG if debug else logging.INFO)
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        # litellm logs through a handler of its own (kept on stderr by _logs_to_stderr): once is enough.
        logging.getLogger(name).propagate = False
    for noisy in ("instructor", "LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx"):
        # Without --debug, instructor and litellm log failures that we report ourselves, as one line.
        logging.getLogger(noisy).setLevel(logging.NOTSET if debug else logging.CRITICAL)


def _quiet_litellm(litellm: Any) -> None:
    """The CLI owns its process: litellm prints a banner to stdout on each failure (on stderr here),
    and we report the failure ourselves, as one line."""
    litellm.suppress_debug_info = True


class _OneLine(logging.Formatter):
    """``warning: message`` on one line, like the CLI's other messages (a traceback follows it)."""

    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        line = message if record.levelno == logging.INFO else f"{record.levelname.lower()}: {message}"
        return line + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


def main() -> None:
    """Entry point of the ``summarizer`` command."""
    app()
