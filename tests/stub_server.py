"""An OpenAI-compatible stub server on loopback, for provider and failure tests.

It answers ``POST /v1/chat/completions`` in the shape the request asks for (a tool call for
tools mode, message content otherwise): a brief's pass with the fixed answer of that pass
(``STUB_PASSES``), citing the numbers of the request's sentences that hold each item's phrase,
and any other schema with a fixed answer (``brief``). It records every request, and can
be told to fail: an HTTP status, a garbage answer, an answer cut off at max_tokens, or a delay,
for every request or for the requests of one document (``faults``: a marker in the messages,
and the failures to give, in order, before answering normally).
"""

from __future__ import annotations

import copy
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

STUB_BRIEF: dict[str, Any] = {
    "context": {"date": "yesterday", "place": "Islamabad", "format": "bilateral talks"},
    "participants": [
        {
            "evidence": "Acting Under Secretary of State for Political Affairs, John Bass",
            "name": "John Bass",
            "title": "Acting Under Secretary of State for Political Affairs",
            "affiliation": "United States",
            "kind": "person",
            "role": "led the US delegation",
        },
        {
            "evidence": "Foreign Secretary Amna Baloch",
            "name": "Amna Baloch",
            "title": "Foreign Secretary",
            "affiliation": "Pakistan",
            "kind": "person",
            "role": "host",
        },
    ],
    "agenda_items": [
        {"topic": "trade", "evidence": "including trade, energy", "summary": "Trade was discussed."}
    ],
    "commitments": [
        {
            "evidence": "both sides agreed to strengthen ties and enhance cooperation",
            "actor": "Pakistan and the United States",
            "action": "strengthen ties and enhance cooperation",
            "beneficiary": None,
            "firmness": "firm",
            "deadline": None,
        }
    ],
    "tone": {
        "evidence": "a renewed drive towards strengthening bilateral relations",
        "label": "cooperative",
        "stances": [],
        "rationale": "Both sides sought closer ties.",
    },
    "summary": "US and Pakistani officials met in Islamabad and agreed to strengthen ties.",
    "headline": "Pakistan and US agree to strengthen ties",
}


STUB_PASSES: dict[str, dict[str, Any]] = {
    # Each "evidence" is a phrase of the seed: the stub cites the sentences of the request that
    # hold it, and leaves the item out when none does (as a model would, for a part of a document).
    "participants": {
        "people": [
            {
                "evidence": "John Bass",
                "name": "John Bass",
                "title": "Acting Under Secretary of State for Political Affairs",
                "side": "United States",
                "role": "guest",
            },
            {
                "evidence": "Amna Baloch",
                "name": "Amna Baloch",
                "title": "Foreign Secretary",
                "side": "Pakistan",
                "role": "host",
            },
        ],
        "parties": [],
    },
    "agenda": {"agenda": [{"evidence": "including trade, energy", "topic": "trade"}]},
    "commitments": {
        "commitments": [
            {
                "evidence": "both sides agreed to strengthen ties",
                "actor": "Pakistan and the United States",
                "action": "strengthen ties and enhance cooperation",
                "firmness": "firm",
            }
        ]
    },
    "overview": {
        "evidence": "renewed drive towards strengthening bilateral relations",
        "tone": "cooperative",
        "date": "yesterday",
        "place": "Islamabad",
        "headline": "Pakistan and US agree to strengthen ties",
        "summary": "US and Pakistani officials met in Islamabad and agreed to strengthen ties.",
    },
}
"""The stub's answer to each pass of a brief, keyed by pass."""

PASS_OF_SCHEMA = {
    "Participants": "participants",
    "Agenda": "agenda",
    "CommitmentsByCue": "commitments",
    "Overview": "overview",
    "ShortOverview": "overview",
}


@dataclass
class Behaviour:
    """What the stub does with the next requests."""

    status: int = 200  # an error status to answer with instead of a brief
    garbage: bool = False  # answer 200 with content that is not the schema
    delay: float = 0.0
    fail_when: str | None = None  # answer 500 to requests whose messages contain this text
    brief: dict[str, Any] = field(default_factory=lambda: dict(STUB_BRIEF))  # for schemas not a pass
    passes: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(STUB_PASSES))
    pass_answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per pass, before ``passes``
    answers: list[dict[str, Any]] = field(default_factory=list)  # given in order before ``brief``
    # marker -> failures for the requests that contain it: an HTTP status, "garbage", "cut_off"
    # (half an answer, finish_reason "length") or "timeout"
    faults: dict[str, list[int | str]] = field(default_factory=dict)
    retry_after: str | None = None  # the Retry-After header of a 429
    timeout_delay: float = 3.0  # how long a "timeout" fault keeps the client waiting


class StubServer:
    """Start with ``with StubServer() as stub:``; ``stub.api_base`` is the URL to configure."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.requests: list[dict[str, Any]] = []
        lock = threading.Lock()
        self._stopping = threading.Event()  # wakes answers still waiting out a delay when the test ends
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                if stub.route(self, "POST"):
                    return
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                messages = json.dumps(body.get("messages"))
                b = stub.behaviour
                with lock:
                    stub.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "time": time.monotonic(),
                        }
                    )
                    fault = next((f.pop(0) for m, f in b.faults.items() if f and m in messages), None)
                    answer = b.answers.pop(0) if b.answers else _answer(b, body)
                if b.delay:
                    stub._stopping.wait(b.delay)
                status = fault if isinstance(fault, int) else b.status
                if b.fail_when is not None and b.fail_when in messages:
                    status = 500
                if fault == "timeout":
                    stub._stopping.wait(b.timeout_delay)
                if status != 200:
                    error = {"message": f"stub error {status}", "type": "stub", "code": status}
                    retry_after = b.retry_after if status == 429 else None
                    self._send(status, {"error": error}, retry_after)
                    return
                garbage = b.garbage or fault == "garbage"
                content = "this is not json {" if garbage else json.dumps(answer)
                if fault == "cut_off":
                    content = content[: len(content) // 2]
                self._send(200, _completion(body, content, "length" if fault == "cut_off" else None))

            def do_GET(self) -> None:
                if stub.route(self, "GET"):
                    return
                self._send(200, {"requests": len(stub.requests)})

            def _send(self, status: int, payload: dict[str, Any], retry_after: str | None = None) -> None:
                headers = {"Retry-After": retry_after} if retry_after is not None else {}
                self.send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

            def send_bytes(
                self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def route(self, handler: Any, method: str) -> bool:
        """Answer a request this stub does not take for a chat completion; True if answered.

        A plain OpenAI-compatible server has no Files or Batches API: it answers 404 there.
        """
        path = handler.path.split("?")[0]
        if "/files" in path or "/batches" in path:
            error = {"message": f"no route {method} {handler.path}", "type": "not_found", "code": 404}
            handler._send(404, {"error": error})
            return True
        return False

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()  # joins the answering threads: none outlives its test


class _Server(ThreadingHTTPServer):
    """Joins its answering threads on close.

    A thread left answering a client that gave up would print a traceback, and CPython 3.11.7's
    traceback parses source with ``ast`` on a counter shared between threads: a later test's
    ``ast.parse`` then failed with "AST constructor recursion depth mismatch".
    """

    request_queue_size = 256  # a batch at concurrency 64 must not find the backlog full
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client gave up waiting (a timeout test): nothing to report
        super().handle_error(request, client_address)


def _answer(b: Behaviour, body: dict[str, Any]) -> dict[str, Any]:
    """The pass's answer, citing this request's sentences, or the fixed brief for another schema."""
    tools = body.get("tools")
    schema = tools[0]["function"]["name"] if tools else body.get("response_format", {}).get("json_schema", {})
    name = PASS_OF_SCHEMA.get(schema if isinstance(schema, str) else schema.get("name", ""))
    if name is None:
        return b.brief
    user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    sentences = dict(re.findall(r"^\[(\d+)\] (.*)$", user, re.MULTILINE))
    queued = b.pass_answers.get(name)
    answer = copy.deepcopy(queued.pop(0) if queued else b.passes[name])

    def cite(item: dict[str, Any]) -> bool:
        phrase = item["evidence"]
        if not isinstance(phrase, str):
            return True
        item["evidence"] = [int(n) for n, text in sentences.items() if phrase in text][:3]
        return bool(item["evidence"])

    if name == "commitments":
        return _by_cue(answer, sentences, _schema_of(body))
    for key, value in answer.items():
        if isinstance(value, list):
            answer[key] = [item for item in value if cite(item)] or value[:1]
            for item in answer[key]:
                item["evidence"] = item["evidence"] or [1]
    if "evidence" in answer and not cite(answer):
        answer["evidence"] = [1]
    return answer


def _schema_of(body: dict[str, Any]) -> dict[str, Any]:
    tools = body.get("tools")
    if tools:
        return dict(tools[0]["function"].get("parameters", {}))
    return dict(body.get("response_format", {}).get("json_schema", {}).get("schema", {}))


def _by_cue(answer: dict[str, Any], sentences: dict[str, str], schema: dict[str, Any]) -> dict[str, Any]:
    """The commitments pass's answer as the model writes it: under each place the schema names
    ("3 agreed to strengthen ties and"), the stub's commitment whose phrase its sentence holds, or
    null; the actor as the parties offered that it names, when the schema offers a list."""
    placed: dict[str, Any] = {}
    unused = list(answer["commitments"])
    for key, node in schema.get("properties", {}).items():
        text = sentences.get(key.split()[0], "")
        item = next((c for c in unused if c["evidence"] in text), None)
        if item is None:
            placed[key] = None
            continue
        unused.remove(item)
        actor = next(a for a in node["anyOf"] if a.get("type") == "object")["properties"]["actor"]
        offered = actor.get("items", {}).get("enum")
        who = [o for o in offered if o in item["actor"]] or offered[:1] if offered else item["actor"]
        placed[key] = {"actor": who, "action": item["action"]}
    return placed


def _completion(request: dict[str, Any], content: str, finish_reason: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    tools = request.get("tools")
    if tools:
        name = tools[0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_stub", "type": "function", "function": {"name": name, "arguments": content}}
            ],
        }
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "stub"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if tools else "stop"),
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }


def main() -> None:
    """Serve the stub in its own process: ``python -m tests.stub_server [--delay S]``.

    Prints the API base on the first line of stdout; ``GET /stats`` answers the request count.
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--delay", type=float, default=0.0, help="Seconds before each answer.")
    args = parser.parse_args()
    server = StubServer()
    server.behaviour.delay = args.delay
    with server:
        print(server.api_base, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
