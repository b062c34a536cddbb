"""The one place that uses instructor's internals: a provider batch's requests, re-asks and parsing.

The direct route goes through instructor's public API (``from_litellm``, ``create``, its hooks).
A provider batch needs the same steps without the call: the request instructor would make, the
re-ask it would send next and its validation of an answer. instructor has no public API for
those, so they are taken from ``instructor.v2.core`` here, and only here.
``tests/unit/test_instructor_adapter.py`` is pinned to :data:`CHECKED_WITH` and fails, naming
what to check, when the installed instructor is another version. Nothing here changes instructor.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

CHECKED_WITH = "1.17.0"
"""The instructor version whose internals this module was checked against."""

INTERNALS = (
    "instructor.v2.core.response.handle_response_model",
    "instructor.v2.core.response.handle_reask_kwargs",
    "instructor.v2.core.registry.mode_registry.get_handlers(...).response_parser",
)
"""What this module takes from instructor beyond its public API."""


def request_kwargs(response_model: type[BaseModel], mode: Any, **kwargs: Any) -> dict[str, Any]:
    """The request instructor makes for ``response_model`` in ``mode`` (OpenAI's chat format)."""
    from instructor.v2.core.response import handle_response_model

    _, request = handle_response_model(response_model, mode=mode, **kwargs)
    return dict(request)


def reask_kwargs(request: dict[str, Any], mode: Any, response: Any, error: Exception) -> dict[str, Any]:
    """``request`` followed by its answer ``response`` and the re-ask naming ``error``."""
    from instructor.v2.core.response import handle_reask_kwargs

    return dict(handle_reask_kwargs(request, mode, response, error))


def parse(response: Any, response_model: type[BaseModel], mode: Any, context: dict[str, Any] | None) -> Any:
    """``response`` (an OpenAI chat completion) validated as ``create`` validates a direct one."""
    import instructor
    from instructor.v2.core.registry import mode_registry

    handlers = mode_registry.get_handlers(instructor.Provider.OPENAI, mode)
    return handlers.response_parser(
        response=response,
        response_model=response_model,
        validation_context=context,
        strict=True,  # as instructor's create() validates
        stream=False,
        is_async=False,
    )
