"""Loopback stubs of the provider batch APIs: OpenAI's Files and Batches, Anthropic's Message Batches.

:class:`BatchStub` is the chat stub (:class:`~tests.stub_server.StubServer`) plus those
endpoints, and Anthropic's Messages endpoint, so one server also answers re-asks sent directly
(with the faults of ``behaviour.faults``, as the chat stub).
The SDKs reach it through their base URL: ``stub.api_base`` for OpenAI (it ends in ``/v1``),
``stub.root`` for Anthropic.

Each request of a batch is answered as the chat stub answers one (each pass's answer cites the
request's sentences; ``behaviour.pass_answers`` come first), when the batch ends. A batch stays
in progress while ``hold`` is set (or once ``ends`` batches have ended, while ``ends`` is not
None), and ends at the first status request after that. ``faults``
maps a marker in a request's messages to what becomes of its requests, in order: ``"errored"``
(the provider failed it), ``"expired"``, ``"cut_off"`` (cut off at max_tokens) or ``"garbage"``
(not the schema). ``submissions`` counts the batches created, ``lines`` holds every request
submitted. ``create_delay`` keeps the client waiting that long after a batch is created, as
a slow provider would (a client killed meanwhile never learns the batch's id).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any

from tests.stub_server import StubServer, _answer, _completion

_ISO = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class StubBatch:
    """One batch as the stub holds it."""

    id: str
    provider: str  # "openai" or "anthropic"
    requests: list[dict[str, Any]]
    created: float
    metadata: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] | None = None  # once ended: one line per request, in order
    output_file: str | None = None
    error_file: str | None = None


class BatchStub(StubServer):
    """Start with ``with BatchStub() as stub:``."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.ends: int | None = None
        self.create_delay = 0.0
        self.faults: dict[str, list[str]] = {}
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, StubBatch] = {}
        self.lines: list[dict[str, Any]] = []
        self.submissions = 0
        self.polls = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def root(self) -> str:
        """The server's address without ``/v1``: Anthropic's SDK and litellm add it themselves."""
        return self.api_base.removesuffix("/v1")

    def route(self, handler: Any, method: str) -> bool:
        path = handler.path.split("?")[0]
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v1/files", self._upload),
            ("GET", r"/v1/files/([\w-]+)/content", self._file_content),
            ("GET", r"/v1/files/([\w-]+)", self._file),
            ("POST", r"/v1/batches", self._openai_create),
            ("GET", r"/v1/batches", self._openai_list),
            ("GET", r"/v1/batches/([\w-]+)", self._openai_retrieve),
            ("POST", r"/v1/messages/batches", self._anthropic_create),
            ("GET", r"/v1/messages/batches", self._anthropic_list),
            ("GET", r"/v1/messages/batches/([\w-]+)", self._anthropic_retrieve),
            ("GET", r"/v1/messages/batches/([\w-]+)/results", self._anthropic_results),
            ("POST", r"/v1/messages", self._anthropic_message),
        ]
        for verb, pattern, answer in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                answer(handler, *match.groups())
                return True
        return super().route(handler, method)

    # --- OpenAI: Files and Batches --------------------------------------------------------

    def _upload(self, handler: Any) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        head = f"Content-Type: {handler.headers['Content-Type']}\r\n\r\n".encode()
        form = BytesParser(policy=email_policy).parsebytes(head + body)
        fields = {p.get_param("name", header="content-disposition"): p for p in form.iter_parts()}
        data = fields["file"].get_payload(decode=True)
        with self._lock:
            file_id = f"file-{next(self._ids)}"
            self.files[file_id] = data
        handler._send(200, self._file_object(file_id, str(fields["file"].get_filename())))

    def _file_object(self, file_id: str, name: str = "batch.jsonl") -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(self.files[file_id]),
            "created_at": int(time.time()),
            "filename": name,
            "purpose": "batch",
            "status": "processed",
        }

    def _file(self, handler: Any, file_id: str) -> None:
        if file_id not in self.files:
            handler._send(404, {"error": {"message": f"no file {file_id}", "type": "not_found"}})
            return
        handler._send(200, self._file_object(file_id))

    def _file_content(self, handler: Any, file_id: str) -> None:
        if file_id not in self.files:
            handler._send(404, {"error": {"message": f"no file {file_id}", "type": "not_found"}})
            return
        handler.send_bytes(200, self.files[file_id], "application/octet-stream")

    def _openai_create(self, handler: Any) -> None:
        body = _json_body(handler)
        data = self.files.get(body.get("input_file_id", ""))
        if data is None or body.get("endpoint") != "/v1/chat/completions":
            handler._send(400, {"error": {"message": "bad input_file_id or endpoint", "type": "invalid"}})
            return
        requests = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
        batch = self._create("openai", "batch", requests, body.get("metadata") or {})
        self._stopping.wait(self.create_delay)
        handler._send(200, self._openai_object(batch))

    def _openai_list(self, handler: Any) -> None:
        data = [self._openai_object(b) for b in self.batches.values() if b.provider == "openai"]
        handler._send(200, {"object": "list", "data": data[::-1], "has_more": False})

    def _openai_retrieve(self, handler: Any, batch_id: str) -> None:
        batch = self._poll(batch_id, "openai")
        if batch is None:
            handler._send(404, {"error": {"message": f"no batch {batch_id}", "type": "not_found"}})
            return
        handler._send(200, self._openai_object(batch))

    def _openai_object(self, b: StubBatch) -> dict[str, Any]:
        ended = b.results is not None
        failed = sum(
            1 for r in b.results or [] if r["response"] is None or r["response"]["status_code"] != 200
        )
        return {
            "id": b.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": None,
            "input_file_id": "file-in",
            "completion_window": "24h",
            "status": "completed" if ended else "in_progress",
            "output_file_id": b.output_file,
            "error_file_id": b.error_file,
            "created_at": int(b.created),
            "in_progress_at": int(b.created),
            "expires_at": int(b.created) + 86400,
            "completed_at": int(time.time()) if ended else None,
            "request_counts": {
                "total": len(b.requests),
                "completed": len(b.requests) - failed if ended else 0,
                "failed": failed,
            },
            "metadata": b.metadata,
        }

    # --- Anthropic: Message Batches, and Messages for direct re-asks -------------------------

    def _anthropic_create(self, handler: Any) -> None:
        body = _json_body(handler)
        batch = self._create("anthropic", "msgbatch", body["requests"], {})
        self._stopping.wait(self.create_delay)
        handler._send(200, self._anthropic_object(batch))

    def _anthropic_list(self, handler: Any) -> None:
        data = [self._anthropic_object(b) for b in self.batches.values() if b.provider == "anthropic"][::-1]
        first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
        handler._send(200, {"data": data, "has_more": False, "first_id": first, "last_id": last})

    def _anthropic_retrieve(self, handler: Any, batch_id: str) -> None:
        batch = self._poll(batch_id, "anthropic")
        if batch is None:
            handler._send(404, {"type": "error", "error": {"type": "not_found_error", "message": batch_id}})
            return
        handler._send(200, self._anthropic_object(batch))

    def _anthropic_results(self, handler: Any, batch_id: str) -> None:
        batch = self.batches.get(batch_id)
        if batch is None or batch.results is None:
            handler._send(404, {"type": "error", "error": {"type": "not_found_error", "message": batch_id}})
            return
        data = "".join(json.dumps(r) + "\n" for r in batch.results).encode()
        handler.send_bytes(200, data, "application/binary")

    def _anthropic_object(self, b: StubBatch) -> dict[str, Any]:
        kinds = [r["result"]["type"] for r in b.results or []]
        ended = b.results is not None
        return {
            "id": b.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else len(b.requests),
                "succeeded": kinds.count("succeeded"),
                "errored": kinds.count("errored"),
                "canceled": 0,
                "expired": kinds.count("expired"),
            },
            "created_at": time.strftime(_ISO, time.gmtime(b.created)),
            "expires_at": time.strftime(_ISO, time.gmtime(b.created + 86400)),
            "ended_at": time.strftime(_ISO, time.gmtime()) if ended else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.root}/v1/messages/batches/{b.id}/results" if ended else None,
        }

    def _anthropic_message(self, handler: Any) -> None:
        params = _json_body(handler)
        with self._lock:
            self.requests.append({"path": handler.path, "body": params, "time": time.monotonic()})
        messages = json.dumps(params["messages"])
        # A direct request meets the chat stub's faults (``behaviour.faults``), as on OpenAI's route.
        with self._lock:
            fault = next((f.pop(0) for m, f in self.behaviour.faults.items() if f and m in messages), None)
        if isinstance(fault, int):
            error = {"type": "error", "error": {"type": "api_error", "message": f"stub error {fault}"}}
            handler._send(fault, error)
            return
        handler._send(200, self._anthropic_answer(params, fault))

    def _anthropic_answer(self, params: dict[str, Any], outcome: str | None) -> dict[str, Any]:
        tool = params["tools"][0]["name"]
        first_user = next(m for m in params["messages"] if m["role"] == "user")
        blocks = first_user["content"]
        text = blocks if isinstance(blocks, str) else "".join(b.get("text", "") for b in blocks)
        answer = _answer(
            self.behaviour,
            {
                "tools": [
                    {"function": {"name": tool, "parameters": params["tools"][0].get("input_schema", {})}}
                ],
                "messages": [{"role": "user", "content": text}],
            },
        )
        content: list[dict[str, Any]] = [
            {"type": "tool_use", "id": "toolu_stub", "name": tool, "input": answer}
        ]
        if outcome == "garbage":
            content = [{"type": "text", "text": "this is not json {"}]
        return {
            "id": f"msg_{next(self._ids)}",
            "type": "message",
            "role": "assistant",
            "model": params["model"],
            "content": content,
            "stop_reason": "max_tokens" if outcome == "cut_off" else "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 50},
        }

    # --- both ----------------------------------------------------------------------------

    def _create(
        self, provider: str, prefix: str, requests: list[dict[str, Any]], metadata: dict[str, Any]
    ) -> StubBatch:
        with self._lock:
            self.submissions += 1
            batch = StubBatch(f"{prefix}_{next(self._ids)}", provider, requests, time.time(), metadata)
            self.batches[batch.id] = batch
            self.lines += [{"provider": provider, **r} for r in requests]
        return batch

    def _poll(self, batch_id: str, provider: str) -> StubBatch | None:
        with self._lock:
            self.polls += 1
            batch = self.batches.get(batch_id)
            if batch is None or batch.provider != provider:
                return None
            ended = sum(1 for b in self.batches.values() if b.results is not None)
            if batch.results is None and not self.hold and (self.ends is None or ended < self.ends):
                self._end(batch)
        return batch

    def _outcome(self, messages: str) -> str | None:
        return next((f.pop(0) for marker, f in self.faults.items() if f and marker in messages), None)

    def _end(self, batch: StubBatch) -> None:
        """Answer every request of ``batch`` (under the lock)."""
        results = []
        for n, request in enumerate(batch.requests):
            if batch.provider == "openai":
                results.append(self._openai_result(n, request))
            else:
                results.append(self._anthropic_result(request))
        batch.results = results
        if batch.provider == "openai":
            ok = [r for r in results if r["response"] and r["response"]["status_code"] == 200]
            failed = [r for r in results if r not in ok]
            batch.output_file = self._store(ok)
            batch.error_file = self._store(failed)

    def _store(self, lines: list[dict[str, Any]]) -> str | None:
        if not lines:
            return None
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = "".join(json.dumps(line) + "\n" for line in lines).encode()
        return file_id

    def _openai_result(self, n: int, request: dict[str, Any]) -> dict[str, Any]:
        body = request["body"]
        outcome = self._outcome(json.dumps(body["messages"]))
        line: dict[str, Any] = {"id": f"batch_req_{n}", "custom_id": request["custom_id"], "error": None}
        if outcome == "expired":
            message = "This request could not be executed before the completion window expired."
            return line | {"response": None, "error": {"code": "batch_expired", "message": message}}
        if outcome == "errored":
            error = {"message": "stub error 500", "type": "server_error"}
            return line | {
                "response": {"status_code": 500, "request_id": f"req_{n}", "body": {"error": error}}
            }
        content = "this is not json {" if outcome == "garbage" else json.dumps(_answer(self.behaviour, body))
        if outcome == "cut_off":
            content = content[: len(content) // 2]
        completion = _completion(body, content, "length" if outcome == "cut_off" else None)
        return line | {"response": {"status_code": 200, "request_id": f"req_{n}", "body": completion}}

    def _anthropic_result(self, request: dict[str, Any]) -> dict[str, Any]:
        params = request["params"]
        outcome = self._outcome(json.dumps(params["messages"]))
        line: dict[str, Any] = {"custom_id": request["custom_id"]}
        if outcome == "expired":
            return line | {"result": {"type": "expired"}}
        if outcome == "errored":
            error = {"type": "error", "error": {"type": "api_error", "message": "stub error 500"}}
            return line | {"result": {"type": "errored", "error": error}}
        return line | {"result": {"type": "succeeded", "message": self._anthropic_answer(params, outcome)}}


def _json_body(handler: Any) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length", 0))
    body: dict[str, Any] = json.loads(handler.rfile.read(length) or b"{}")
    return body
