"""Fixtures of the operations tests: observability switches are process-global, reset them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _reset_observability():
    yield
    import sys

    if "skipjack.observability" in sys.modules:
        from skipjack import observability

        observability.disable_metrics()
        observability.disable_tracing()
        observability.disable_json_logs()
