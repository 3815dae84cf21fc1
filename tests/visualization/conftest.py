"""Fixtures for the plot tests: both back ends, matplotlib on the file-only Agg backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

matplotlib = pytest.importorskip("matplotlib")
pytest.importorskip("plotly")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from tests.visualization._readers import BACKENDS, Backend  # noqa: E402


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The plotly or the matplotlib functions, with readers that get the drawn data back."""
    yield BACKENDS[request.param]
    plt.close("all")


@pytest.fixture
def warnings_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog that also sees skipjack's logger (which does not propagate by default)."""
    import skipjack.logging

    skipjack.logging.enable_propagation()
    try:
        yield caplog
    finally:
        skipjack.logging.disable_propagation()
