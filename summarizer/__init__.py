"""summarizer: typed, evidence-quoting briefs of meetings and diplomatic talks.

This module is the public API: the names in ``__all__``, re-exported from the modules that
define them. Those modules (``_core.py`` and the others, named with a leading underscore) are
internal and may change between versions; ``summarizer.schemas`` is public, since custom
schemas build on it.

The names are imported on first use, so that importing the package (and running
``summarizer --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from summarizer._batch import BatchResult, Doc
    from summarizer._config import Settings, load_settings
    from summarizer._core import Progress, Summarizer, asummarize, summarize
    from summarizer._errors import (
        BudgetError,
        ConfigError,
        InputError,
        OutputValidationError,
        ProviderError,
        SummarizerError,
    )
    from summarizer._provider_batch import BatchCollection, BatchJob, BatchProgress
    from summarizer._render import to_html, to_markdown
    from summarizer.schemas import TONE_MAP, Brief, Meta
    from summarizer.schemas.brief import (
        AgendaItem,
        Commitment,
        MeetingContext,
        Participant,
        PartyStance,
        Span,
        Tone,
        ToneLabel,
    )

_EXPORTS = {
    # briefing
    "Summarizer": "summarizer._core",
    "summarize": "summarizer._core",
    "asummarize": "summarizer._core",
    "Progress": "summarizer._core",
    "Settings": "summarizer._config",
    "load_settings": "summarizer._config",
    # the brief and its parts
    "Brief": "summarizer.schemas",
    "Meta": "summarizer.schemas",
    "TONE_MAP": "summarizer.schemas",
    "MeetingContext": "summarizer.schemas.brief",
    "Participant": "summarizer.schemas.brief",
    "AgendaItem": "summarizer.schemas.brief",
    "Commitment": "summarizer.schemas.brief",
    "PartyStance": "summarizer.schemas.brief",
    "Tone": "summarizer.schemas.brief",
    "ToneLabel": "summarizer.schemas.brief",
    "Span": "summarizer.schemas.brief",
    # views of a brief
    "to_markdown": "summarizer._render",
    "to_html": "summarizer._render",
    # many documents: Summarizer.batch, and provider batches
    "Doc": "summarizer._batch",
    "BatchResult": "summarizer._batch",
    "BatchJob": "summarizer._provider_batch",
    "BatchProgress": "summarizer._provider_batch",
    "BatchCollection": "summarizer._provider_batch",
    # errors
    "SummarizerError": "summarizer._errors",
    "BudgetError": "summarizer._errors",
    "ConfigError": "summarizer._errors",
    "InputError": "summarizer._errors",
    "ProviderError": "summarizer._errors",
    "OutputValidationError": "summarizer._errors",
}

__all__ = [
    "TONE_MAP",
    "AgendaItem",
    "BatchCollection",
    "BatchJob",
    "BatchProgress",
    "BatchResult",
    "Brief",
    "BudgetError",
    "Commitment",
    "ConfigError",
    "Doc",
    "InputError",
    "MeetingContext",
    "Meta",
    "OutputValidationError",
    "Participant",
    "PartyStance",
    "Progress",
    "ProviderError",
    "Settings",
    "Span",
    "Summarizer",
    "SummarizerError",
    "Tone",
    "ToneLabel",
    "__version__",
    "asummarize",
    "load_settings",
    "summarize",
    "to_html",
    "to_markdown",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from summarizer._version import package_version

        return package_version()
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
