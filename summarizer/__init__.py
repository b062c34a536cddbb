"""summarizer: typed, evidence-quoting briefs of meetings and diplomatic talks.

This module is the public API: the names in ``__all__``. Everything else (the submodules and
what they define) is internal and may change between versions.

The names are imported on first use, so that importing the package (and running
``summarizer --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from summarizer.batch import BatchResult, Doc
    from summarizer.config import Settings, load_settings
    from summarizer.core import Progress, Summarizer, asummarize, summarize
    from summarizer.errors import (
        BudgetError,
        ConfigError,
        InputError,
        OutputValidationError,
        ProviderError,
        SummarizerError,
    )
    from summarizer.provider_batch import BatchCollection, BatchJob, BatchProgress
    from summarizer.render import to_html, to_markdown
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
    "Summarizer": "summarizer.core",
    "summarize": "summarizer.core",
    "asummarize": "summarizer.core",
    "Progress": "summarizer.core",
    "Settings": "summarizer.config",
    "load_settings": "summarizer.config",
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
    "to_markdown": "summarizer.render",
    "to_html": "summarizer.render",
    # many documents: Summarizer.batch, and provider batches
    "Doc": "summarizer.batch",
    "BatchResult": "summarizer.batch",
    "BatchJob": "summarizer.provider_batch",
    "BatchProgress": "summarizer.provider_batch",
    "BatchCollection": "summarizer.provider_batch",
    # errors
    "SummarizerError": "summarizer.errors",
    "BudgetError": "summarizer.errors",
    "ConfigError": "summarizer.errors",
    "InputError": "summarizer.errors",
    "ProviderError": "summarizer.errors",
    "OutputValidationError": "summarizer.errors",
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
        from summarizer.version import package_version

        return package_version()
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
