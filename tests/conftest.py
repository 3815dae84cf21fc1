"""Suite-wide fixtures."""

from __future__ import annotations

import pytest

import skipjack


@pytest.fixture(autouse=True)
def _restore_verbosity():
    """Tests that quiet skipjack's logger must not change what later tests see."""
    level = skipjack.logging.get_verbosity()
    yield
    skipjack.logging.set_verbosity(level)
