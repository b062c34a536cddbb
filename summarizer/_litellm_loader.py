"""litellm, loaded once and only when a call needs it, without changing it for the process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import cache
from types import ModuleType

PRICE_MAP_VARIABLE = "LITELLM_LOCAL_MODEL_COST_MAP"


@cache
def load_litellm() -> ModuleType:
    """litellm, imported without fetching its price map from the network.

    litellm reads this variable once, while it is imported, and has no other switch: it is set
    for the import alone (unless the user set it), and the environment is then as it was.
    """
    if "litellm" not in sys.modules and PRICE_MAP_VARIABLE not in os.environ:
        os.environ[PRICE_MAP_VARIABLE] = "True"
        try:
            import litellm
        finally:
            os.environ.pop(PRICE_MAP_VARIABLE, None)
    import litellm

    for setup in _litellm_setups:
        setup(litellm)
    return litellm


_litellm_setups: list[Callable[[ModuleType], None]] = []


def configure_litellm(setup: Callable[[ModuleType], None]) -> None:
    """Run ``setup(litellm)`` once litellm is loaded (now, if it is). For an application that owns
    its process, such as the CLI: the library itself changes no litellm setting."""
    if setup in _litellm_setups:
        return
    _litellm_setups.append(setup)
    if load_litellm.cache_info().currsize:
        setup(load_litellm())
