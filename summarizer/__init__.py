"""summarizer: typed, evidence-quoting briefs of meetings and diplomatic talks.

The public API is re-exported here and imported on first use, so that importing the package
(and running ``summarizer --help``) stays fast.
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
    from summarizer.schemas import TONE_MAP, Brief, Meta

_EXPORTS = {
    "BatchResult": "summarizer.batch",
    "Doc": "summarizer.batch",
    "Settings": "summarizer.config",
    "load_settings": "summarizer.config",
    "Summarizer": "summarizer.core",
    "Progress": "summarizer.core",
    "summarize": "summarizer.core",
    "asummarize": "summarizer.core",
    "SummarizerError": "summarizer.errors",
    "BudgetError": "summarizer.errors",
    "ConfigError": "summarizer.errors",
    "InputError": "summarizer.errors",
    "ProviderError": "summarizer.errors",
    "OutputValidationError": "summarizer.errors",
    "BatchJob": "summarizer.provider_batch",
    "BatchProgress": "summarizer.provider_batch",
    "BatchCollection": "summarizer.provider_batch",
    "Brief": "summarizer.schemas",
    "Meta": "summarizer.schemas",
    "TONE_MAP": "summarizer.schemas",
}

__all__ = [
    "TONE_MAP",
    "BatchCollection",
    "BatchJob",
    "BatchProgress",
    "BatchResult",
    "Brief",
    "BudgetError",
    "ConfigError",
    "Doc",
    "InputError",
    "Meta",
    "OutputValidationError",
    "Progress",
    "ProviderError",
    "Settings",
    "Summarizer",
    "SummarizerError",
    "__version__",
    "asummarize",
    "load_settings",
    "summarize",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # written once, in pyproject.toml
        from importlib.metadata import version

        return version("summarizer")
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
