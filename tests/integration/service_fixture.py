"""`summarizer serve` in a subprocess on a free loopback port, against the loopback stub provider."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import ROOT
from tests.stub_server import StubServer

TOKEN = "test-token-not-secret-1"


@dataclass
class RunningService:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def headers(self, token: str = TOKEN) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def access_log(self) -> str:
        return self.log.read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(stub: StubServer, folder: Path, **settings: object) -> Iterator[RunningService]:
    """Start the service with a config pointing at ``stub``; stop it on exit."""
    lines = ['model = "openai/stub-model"', f'api_base = "{stub.api_base}"', 'api_key_env = "STUB_KEY"']
    values = {"service_tokens": [TOKEN], "cache": False, **settings}
    lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    config = folder / "service.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    port = free_port()
    log = folder / "service.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUB_KEY": "stub-key-0123456789"}
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start:\n{log.read_text(encoding='utf-8')}")
            time.sleep(0.1)
        yield RunningService(url, process, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value) + '"'
