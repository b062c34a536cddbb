"""A cost cap (``max_cost``, USD): start no unit of work that would go over it.

One mechanism for a batch, whose units are documents, and for a long document briefed in
parts, whose units are its parts. A unit is expected to cost the mean of those finished so far;
until one has finished, nothing stops the work.
"""

from __future__ import annotations

from summarizer._errors import BudgetError


class Budget:
    """Spend so far, and whether one more unit would go over ``max_cost``."""

    def __init__(self, max_cost: float | None):
        self.max_cost = max_cost
        self.spent = 0.0
        self.paid = 0  # finished units that made model calls

    def add(self, cost: float | None) -> None:
        """Count a finished unit; an unknown cost (a model missing from the price table) as 0."""
        self.spent += cost or 0.0
        self.paid += 1

    def allows(self, in_flight: int) -> bool:
        if self.max_cost is None:
            return True
        mean = self.spent / self.paid if self.paid else 0.0
        return self.spent + (in_flight + 1) * mean <= self.max_cost and self.spent < self.max_cost

    def check_part(self, part: int, parts: int) -> None:
        """Raise BudgetError unless part ``part`` of ``parts`` (1-based) may start."""
        if not self.allows(0):
            raise BudgetError(
                f"stopped before part {part} of {parts}: the budget of ${self.max_cost} would be"
                f" exceeded (spent ${self.spent:.6f} on {part - 1} parts; --max-cost sets it)",
                spent=self.spent,
            )
