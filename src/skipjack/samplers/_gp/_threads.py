"""Run the GP's linear algebra on one BLAS thread.

Design note: the GP's matrices are small (at most ``max_history`` rows), where a multi-threaded
BLAS spends more time waking and spinning threads than computing; on a loaded 2-core machine a
40-trial Branin run took 5-8 s of CPU with OpenBLAS's default threads and 0.3 s with one.
``threadpoolctl`` (the ``gp`` extra) sets the limit for the duration of a sampling call; without it
the BLAS keeps its own setting. The limit is process-wide while it lasts.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["single_blas_thread"]

_controller: Any = None
_controller_lock = threading.Lock()


def _get_controller() -> Any:
    global _controller
    with _controller_lock:
        if _controller is None:
            try:
                import numpy  # noqa: F401  (load the BLAS before scanning for it)
                import scipy.linalg  # noqa: F401
                from threadpoolctl import ThreadpoolController
            except ImportError:
                _controller = False
            else:
                _controller = ThreadpoolController()
    return _controller


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread inside the block (no-op without ``threadpoolctl``)."""
    controller = _get_controller()
    if not controller:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield
