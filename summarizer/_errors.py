"""The error family: one base, with subclasses that say what the user can do about it."""

from __future__ import annotations


class SummarizerError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


class InputError(SummarizerError):
    """The document cannot be summarized as given (empty, binary, too long, unreadable)."""

    exit_code = 2


class ConfigError(SummarizerError):
    """The configuration is invalid or incomplete (unknown model, missing key, bad value)."""

    exit_code = 3


class ProviderError(SummarizerError):
    """The model provider failed or could not be reached."""

    exit_code = 4

    def __init__(self, message: str, *, provider: str | None = None, status: int | None = None):
        super().__init__(message)
        self.provider = provider
        self.status = status


class OutputValidationError(SummarizerError):
    """The model's output stayed invalid after every allowed attempt, or was cut off at max_tokens
    (``cut_off``)."""

    exit_code = 5

    def __init__(self, message: str, *, attempts: int, cut_off: bool = False):
        super().__init__(message)
        self.attempts = attempts
        self.cut_off = cut_off


class BudgetError(SummarizerError):
    """Going on would spend more than the budget (``max_cost``) allows; ``spent`` is what was spent."""

    exit_code = 7

    def __init__(self, message: str, *, spent: float):
        super().__init__(message)
        self.spent = spent
