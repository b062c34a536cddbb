"""The HTTP service: FastAPI over the same Summarizer, cache and config as the CLI.

Secure by default: every route of the API needs a bearer token (a FastAPI security dependency,
so that the OpenAPI document declares it and ``/docs`` can send one); bodies, documents,
concurrency and time are bounded; every error is a JSON problem detail (RFC 9457) with no stack
trace and no secret (a failure that is not the client's is told with a request id, its details
logged); access logs are one JSON line per request with no document text. A client that hangs
up cancels its request's work and frees its slot.
"""

from __future__ import annotations

import asyncio
import copy
import hmac
import json
import logging
import os
import secrets
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from starlette.exceptions import HTTPException

from summarizer._concurrency import map_bounded
from summarizer._config import Settings, load_settings
from summarizer._core import Summarizer
from summarizer._documents import check_text, valid_unicode
from summarizer._errors import ConfigError, InputError, OutputValidationError, ProviderError, SummarizerError
from summarizer._passes import PASSES
from summarizer._prompts import available_prompts, load_prompt
from summarizer._render import render
from summarizer._render.html import service_page
from summarizer._version import package_version
from summarizer.schemas import SCHEMAS, Brief, output_json_schema

CONFIG_ENV = "SUMMARIZER_SERVE_CONFIG"
"""The config file ``summarizer serve --config`` passes to its worker processes."""

access_log = logging.getLogger("summarizer.access")
log = logging.getLogger("summarizer.service")

T = TypeVar("T")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BriefRequest(BaseModel):
    """A document to brief."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    text: str = Field(description="The document, as plain text.", json_schema_extra={"pattern": r"\S"})
    schema_name: str | None = Field(None, alias="schema", description='A built-in schema name, e.g. "brief".')
    prompt: str | None = Field(None, description="A prompt template name.")
    format: Literal["json", "md", "html"] = Field(
        "json", description="json: the Brief; md: a note; html: a page."
    )
    model: str | None = Field(None, description="A model from the service's allow-list; default: its model.")

    @field_validator("text")
    @classmethod
    def _not_empty(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("is empty")
        return text


class BatchDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, description="Your name for it; default: its position, from 1.")
    text: str = Field(description="An empty or unusable text fails this document only.")


class BatchRequest(BaseModel):
    """Several documents, briefed with the same options."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    documents: list[BatchDocument] = Field(min_length=1)
    schema_name: str | None = Field(None, alias="schema")
    prompt: str | None = None
    model: str | None = None


class ProblemDetails(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


class BatchItem(BaseModel):
    id: str
    status: Literal["ok", "failed"]
    brief: dict[str, Any] | None = None
    error: ProblemDetails | None = None


class BatchResponse(BaseModel):
    results: list[BatchItem]


class ServiceError(Exception):
    """An error answered as a problem detail."""

    def __init__(
        self, status: int, slug: str, title: str, detail: str, headers: dict[str, str] | None = None
    ):
        detail = valid_unicode(detail)  # it may quote a client's field name, which may not be Unicode
        super().__init__(detail)
        self.problem = ProblemDetails(
            type=f"urn:summarizer:problem:{slug}", title=title, status=status, detail=detail
        )
        self.headers = headers or {}


def problem_response(error: ServiceError) -> JSONResponse:
    return JSONResponse(
        error.problem.model_dump(), status_code=error.problem.status, headers=error.headers,
        media_type="application/problem+json",
    )  # fmt: skip


def _from_summarizer_error(e: SummarizerError, request_id: str = "") -> ServiceError:
    """The problem a client gets. Only an unusable document is the client's to fix, and told in
    full; anything else is the service's, logged with the request id and told generically (a
    provider's message names its internal URL)."""
    if isinstance(e, InputError):
        return ServiceError(422, "input", "Unusable document", str(e))
    log.error("request %s: %s: %s", request_id, type(e).__name__, e)
    see = f"request {request_id}: the service log has the details"
    if isinstance(e, ProviderError):
        return ServiceError(
            502, "provider", "The model provider failed", f"the model provider failed ({see})"
        )
    if isinstance(e, OutputValidationError):
        return ServiceError(
            502, "invalid-output", "The model's output stayed invalid",
            f"the model's output stayed invalid after {e.attempts} attempts ({see})",
        )  # fmt: skip
    if isinstance(e, ConfigError):
        return ServiceError(
            500, "config", "The service is misconfigured", f"the service is misconfigured ({see})"
        )
    return ServiceError(500, "internal", "Internal error", f"the request failed ({see})")


class ClientDisconnected(Exception):
    """The client hung up before its answer was ready."""


async def until_disconnect(request: Request, work: Awaitable[T]) -> T:
    """``work``'s result; if the client hangs up first, ``work`` is cancelled (its provider calls
    with it) and :class:`ClientDisconnected` raised.

    Called once the body is read: the next ASGI message is then ``http.disconnect``.
    """
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not task.done():
            task.cancel()
        gone.cancel()
        await asyncio.gather(task, gone, return_exceptions=True)
    if task.cancelled():
        raise ClientDisconnected
    return task.result()


async def _disconnect(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


class Limiter:
    """At most ``limit`` requests at once; the next one is refused, never queued."""

    def __init__(self, limit: int):
        self.limit = limit
        self.in_flight = 0
        self.latencies: deque[float] = deque(maxlen=20)

    def retry_after(self) -> str:
        return str(max(1, round(statistics.median(self.latencies)))) if self.latencies else "1"

    @asynccontextmanager
    async def slot(self) -> Any:
        if self.in_flight >= self.limit:
            raise ServiceError(
                503, "busy", "Busy", f"{self.limit} requests are being briefed; try again later",
                {"Retry-After": self.retry_after()},
            )  # fmt: skip
        self.in_flight += 1
        started = time.monotonic()
        try:
            yield
        finally:
            self.in_flight -= 1
            self.latencies.append(time.monotonic() - started)


BEARER = HTTPBearer(
    auto_error=False,  # the 401 is ours: a problem detail
    scheme_name="bearer",
    description="One of the service's `service_tokens`.",
)
"""The security scheme the OpenAPI document declares (module-level: FastAPI resolves the
dependency's annotation in this module's namespace)."""


def bearer_auth(tokens: list[SecretStr]) -> Callable[..., Awaitable[None]]:
    """A dependency that refuses (401) a request without one of ``tokens`` as its bearer token.

    Built on FastAPI's ``HTTPBearer``, so that the OpenAPI document declares the scheme on every
    route that uses it. Tokens are compared in constant time, and never logged or echoed.
    """
    expected = [t.get_secret_value().encode() for t in tokens]

    async def authorized(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
    ) -> None:
        # The header as it came (Starlette decodes headers as Latin-1), compared as bytes.
        given = credentials.credentials.encode("latin-1") if credentials is not None else b""
        if not any([hmac.compare_digest(given, token) for token in expected]):  # all, not up to a match
            raise ServiceError(
                401, "unauthorized", "Unauthorized", "send Authorization: Bearer <token>",
                {"WWW-Authenticate": "Bearer"},
            )  # fmt: skip

    return authorized


class Perimeter:
    """ASGI middleware around the whole app: a request id, the body-size limit, and one structured
    access-log line per request (whatever answered it, even an unexpected error)."""

    def __init__(self, app: FastAPI, settings: Settings):
        self.app = app
        self.max_body = settings.service_max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = {"code": 500}
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_body:
                raise _too_large(self.max_body)
            await self.app(scope, self._bounded(receive), send_logged)
        except ServiceError as e:
            await problem_response(e)(scope, receive, send_logged)
        finally:
            route = scope.get("route")
            access_log.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": getattr(route, "path", None)
                        or ("unmatched" if scope["path"] != "/" else "/"),
                        "status": status["code"],
                        "latency_ms": round((time.monotonic() - started) * 1000, 1),
                        "tokens": scope.get("state", {}).get("tokens"),
                    }
                )
            )

    def _bounded(self, receive: Receive) -> Receive:
        """``receive`` that refuses a body (even one sent without Content-Length) over the limit."""
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _too_large(self.max_body)
            return message

        return bounded


def _too_large(limit: int) -> ServiceError:
    return ServiceError(413, "too-large", "Request body too large", f"the body is over {limit:,} bytes")


class Service:
    """One Summarizer per allowed model, the concurrency limit, and readiness."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.limiter = Limiter(settings.service_max_concurrency)
        self._summarizers: dict[str, Summarizer] = {}
        self.ready = False
        self.not_ready_reason = "starting"

    def summarizer(self, model: str | None) -> Summarizer:
        name = model or self.settings.model
        allowed = [self.settings.model, *self.settings.service_models]
        if name not in allowed:
            raise ServiceError(
                422, "model-not-allowed", "Model not allowed",
                f"model {name!r} is not allowed here; choose one of: {', '.join(allowed)}",
            )  # fmt: skip
        if name not in self._summarizers:
            settings = (
                self.settings
                if name == self.settings.model
                else self.settings.model_copy(update={"model": name})
            )
            self._summarizers[name] = Summarizer(settings)
        return self._summarizers[name]

    async def warm_up(self) -> None:
        """Load the embedded model (or check the provider's config) before saying ready."""
        try:
            await asyncio.to_thread(self.summarizer(None)._get_engine)
            self.ready = True
        except SummarizerError as e:
            self.not_ready_reason = str(e)

    def check_names(self, schema: str | None, prompt: str | None) -> None:
        """Clients name built-in schemas and known prompts only: never a module to import."""
        if schema is not None and schema not in SCHEMAS:
            raise ServiceError(
                422,
                "unknown-schema",
                "Unknown schema",
                f"schema {schema!r} is not one of: {', '.join(SCHEMAS)}",
            )
        prompts = available_prompts(self.settings.prompt_dir)
        if prompt is not None and prompt not in prompts:
            raise ServiceError(
                422,
                "unknown-prompt",
                "Unknown prompt",
                f"prompt {prompt!r} is not one of: {', '.join(prompts)}",
            )
        if prompt is not None and (schema or self.settings.schema) == "brief":
            # A brief is asked for in passes: a prompt without their files (such as "extract",
            # the one-pass prompt of a custom schema) cannot brief, and that is the client's choice.
            parts = load_prompt(prompt, self.settings.prompt_dir).sources
            missing = [f"{p.name}.j2" for p in PASSES if p.name not in parts]
            if missing:
                raise ServiceError(
                    422, "prompt-not-for-schema", "Prompt does not fit the schema",
                    f"prompt {prompt!r} cannot brief with schema 'brief': it has no {', '.join(missing)}",
                )  # fmt: skip

    def check_text(self, text: str) -> None:
        try:
            check_text(text)
        except InputError as e:
            raise _from_summarizer_error(e) from e
        limit = self.settings.service_max_document_chars
        if len(text) > limit:
            raise ServiceError(
                422, "document-too-long", "Document too long",
                f"the document has {len(text):,} characters; the limit is {limit:,}",
            )  # fmt: skip

    def check(self, request: BriefRequest) -> Summarizer:
        """Refuse a bad request before it takes a slot; the Summarizer for its model."""
        self.check_names(request.schema_name, request.prompt)
        self.check_text(request.text)
        return self.summarizer(request.model)

    async def run(
        self, summarizer: Summarizer, request: BriefRequest, timeout: float, request_id: str
    ) -> Any:
        """Brief a checked request within ``timeout`` seconds (the caller holds a slot)."""
        try:
            return await asyncio.wait_for(
                summarizer.asummarize(request.text, schema=request.schema_name, prompt=request.prompt),
                timeout,
            )
        except TimeoutError as e:
            raise _timed_out(self.settings.service_request_timeout) from e
        except SummarizerError as e:
            raise _from_summarizer_error(e, request_id) from e


def _timed_out(limit: float) -> ServiceError:
    return ServiceError(504, "timeout", "Timed out", f"not briefed within the request's {limit:g} s")


def create_app(settings: Settings | None = None) -> Perimeter:
    """The service's ASGI app; ``settings`` default to the usual sources."""
    settings = settings if settings is not None else load_settings()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        task = asyncio.create_task(service.warm_up())
        yield
        task.cancel()

    app = FastAPIOffline(  # /docs and /redoc with their assets served here, not from a CDN
        title="summarizer",
        summary="Typed briefing notes, with quoted evidence, from reports of meetings and talks.",
        version=package_version(),
        lifespan=lifespan,
    )
    problem_content = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    }
    problem_responses: dict[int | str, dict[str, Any]] = {
        code: {"model": ProblemDetails, "description": text, "content": problem_content}
        for code, text in [
            (401, "Missing or wrong bearer token"),
            (413, "Body too large"),
            (415, "Neither application/json nor text/plain"),
            (422, "Unusable request or document"),
            (500, "Internal error"),
            (502, "The model provider failed, or its output stayed invalid"),
            (503, "Busy: retry after Retry-After seconds"),
            (504, "Timed out"),
        ]
    }

    @app.exception_handler(ServiceError)
    async def on_service_error(_: Request, e: ServiceError) -> Response:
        return problem_response(e)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(_: Request, e: RequestValidationError) -> Response:
        parts = [f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors()[:5]]
        return problem_response(ServiceError(422, "invalid-request", "Invalid request", "; ".join(parts)))

    @app.exception_handler(HTTPException)
    async def on_http_error(_: Request, e: HTTPException) -> Response:
        return problem_response(ServiceError(e.status_code, "http", str(e.detail), str(e.detail)))

    @app.exception_handler(Exception)
    async def on_error(request: Request, e: Exception) -> Response:
        request_id = _request_id(request)
        log.error("request %s: internal error: %s", request_id, type(e).__name__, exc_info=e)
        detail = f"the request failed (request {request_id}: the service log has the details)"
        return problem_response(ServiceError(500, "internal", "Internal error", detail))

    @app.exception_handler(ClientDisconnected)
    async def on_disconnect(request: Request, _: ClientDisconnected) -> Response:
        log.warning("request %s: the client disconnected: its work was cancelled", _request_id(request))
        # Never sent (the client is gone): the access log shows it as nginx's 499.
        return Response(status_code=499)

    # The API needs a token; the health checks, the page at / and the API's documentation (which
    # hold no data) do not, so that a browser can open /docs and authorize there.
    auth = [Depends(bearer_auth(settings.service_tokens))] if settings.service_tokens else []
    api = APIRouter(dependencies=auth)

    @app.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz", summary="Readiness", responses={503: {"model": ProblemDetails, "content": problem_content}}
    )
    async def readyz() -> Any:
        if not service.ready:
            raise ServiceError(503, "not-ready", "Not ready", service.not_ready_reason)
        return {"status": "ready", "model": settings.model}

    @api.get("/v1/schema", summary="The JSON Schema of a brief", responses=problem_responses)
    async def schema() -> dict[str, Any]:
        return output_json_schema(SCHEMAS["brief"])

    @api.post(
        "/v1/briefs",
        summary="Brief one document",
        description="Send JSON, or the document itself as text/plain. Answers the Brief as JSON,"
        " or Markdown or an HTML page when `format` asks for it.",
        responses={
            **problem_responses,
            200: {"model": Brief, "content": {"text/markdown": {}, "text/html": {}}},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _with_limits(BriefRequest.model_json_schema(), settings)},
                    "text/plain": {
                        "schema": {
                            "type": "string",
                            "pattern": r"\S",
                            "maxLength": settings.service_max_document_chars,
                        }
                    },
                },
            }
        },
    )
    async def create_brief(request: Request) -> Response:
        body = await _brief_request(request)
        summarizer = service.check(body)
        async with service.limiter.slot():
            run = service.run(summarizer, body, settings.service_request_timeout, _request_id(request))
            brief = await until_disconnect(request, run)
        request.state.tokens = _tokens(brief)
        if body.format == "json":
            return Response(brief.model_dump_json(), media_type="application/json")
        media = "text/html" if body.format == "html" else "text/markdown"
        return PlainTextResponse(render(brief, body.format, body.text), media_type=f"{media}; charset=utf-8")

    async def brief_all(
        summarizer: Summarizer, body: BatchRequest, request_id: str
    ) -> tuple[list[BatchItem], int]:
        """Each document in turn, within one deadline for the request: a document not finished
        by then fails with a 504 problem, and the others keep their results."""
        deadline = time.monotonic() + settings.service_request_timeout

        async def brief_one(numbered: tuple[int, BatchDocument]) -> tuple[BatchItem, int]:
            n, doc = numbered
            name = valid_unicode(doc.id or str(n))
            try:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _timed_out(settings.service_request_timeout)
                service.check_text(doc.text)
                single = BriefRequest.model_validate(
                    {"text": doc.text, "schema": body.schema_name, "prompt": body.prompt, "model": body.model}
                )
                brief = await service.run(summarizer, single, left, request_id)
            except ServiceError as e:
                return BatchItem(id=name, status="failed", error=e.problem), 0
            return BatchItem(id=name, status="ok", brief=brief.model_dump(mode="json")), _tokens(brief) or 0

        # limit=1: in turn, in the order given (the request holds one slot of the service)
        async with aclosing(map_bounded(brief_one, enumerate(body.documents, 1), limit=1)) as finished:
            done = [item async for item in finished]
        return [item for item, _ in done], sum(tokens for _, tokens in done)

    batch_schema = BatchRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    batch_components = {**batch_schema.pop("$defs", {}), "BatchRequest": batch_schema}

    @api.post(
        "/v1/briefs/batch",
        summary="Brief several documents",
        response_model=BatchResponse,
        responses=problem_responses,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}},
            }
        },
    )
    async def create_briefs(request: Request) -> Response:
        try:
            body = BatchRequest.model_validate(await _json_body(request))
        except ValidationError as e:
            raise _invalid(e) from e
        if len(body.documents) > settings.service_max_batch:
            raise ServiceError(
                422, "batch-too-large", "Too many documents",
                f"{len(body.documents)} documents; the limit is {settings.service_max_batch}",
            )  # fmt: skip
        summarizer = service.summarizer(body.model)
        service.check_names(body.schema_name, body.prompt)
        async with service.limiter.slot():  # one slot: the documents are briefed one after another
            results, tokens = await until_disconnect(
                request, brief_all(summarizer, body, _request_id(request))
            )
        request.state.tokens = tokens
        return Response(BatchResponse(results=results).model_dump_json(), media_type="application/json")

    app.include_router(api)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with this configuration's limits and choices in the request schemas."""
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            schemas = document["components"]["schemas"]
            for name, schema in batch_components.items():
                schemas[name] = _with_limits(copy.deepcopy(schema), settings)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    page_html = service_page()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(page_html)

    return Perimeter(app, settings)


def _with_limits(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A request schema that says what this service accepts: its models, schemas, prompts, sizes."""
    properties = schema.get("properties", {})
    choices = {
        "model": [settings.model, *settings.service_models],
        "schema": sorted(SCHEMAS),
        "prompt": available_prompts(settings.prompt_dir),
    }
    for name, values in choices.items():
        if name in properties:
            properties[name] = {"anyOf": [{"enum": values}, {"type": "null"}], "default": None}
    if "text" in properties:
        properties["text"]["maxLength"] = settings.service_max_document_chars
    if "documents" in properties:
        properties["documents"]["maxItems"] = settings.service_max_batch
    return schema


async def _brief_request(request: Request) -> BriefRequest:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/plain":
        raw = await request.body()
        try:
            return BriefRequest(text=raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise ServiceError(422, "encoding", "Not UTF-8", "a text/plain body must be UTF-8") from e
        except ValidationError as e:
            raise _invalid(e) from e
    try:
        return BriefRequest.model_validate(await _json_body(request))
    except ValidationError as e:
        raise _invalid(e) from e


async def _json_body(request: Request) -> Any:
    """The request's JSON, or a problem: 413 over the size limit (raised while reading), 415, or 422.

    The standard library's parser accepts a lone surrogate escape ("\\ud800"), so that such a
    text fails its own document (a batch's others are briefed), with the same problem as any
    unusable text.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/json", ""):
        raise ServiceError(415, "media-type", "Unsupported media type", "send application/json or text/plain")
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ServiceError(422, "encoding", "Not UTF-8", "a JSON body must be UTF-8") from e
    except RecursionError as e:
        raise ServiceError(422, "invalid-request", "Invalid request", "not JSON: nested too deeply") from e
    except ValueError as e:  # the message names a position, never the body's content
        raise ServiceError(422, "invalid-request", "Invalid request", f"not JSON: {e}") from e


def _invalid(e: ValidationError) -> ServiceError:
    """A 422 naming the fields at fault, with the body's content left out."""
    parts = [f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors()[:5]]
    return ServiceError(422, "invalid-request", "Invalid request", "; ".join(parts) or "invalid")


def _request_id(request: Request) -> str:
    """The id the Perimeter gave this request (in the access log and the X-Request-Id header)."""
    return str(getattr(request.state, "request_id", "-"))


def _tokens(brief: Any) -> int | None:
    meta = getattr(brief, "meta", None)
    return None if meta is None else meta.prompt_tokens + meta.completion_tokens


def app_from_env() -> Perimeter:
    """The app for ``uvicorn --factory`` and each worker of ``summarizer serve``."""
    if not access_log.handlers:  # one JSON line per request on stderr, in every worker
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
    config = os.environ.get(CONFIG_ENV)
    return create_app(load_settings({}, config_file=Path(config) if config else None))
