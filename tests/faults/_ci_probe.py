"""Probe tests run by ``test_ci_honesty.py`` in a child pytest, with and without ``CI=true``
(not collected by the suite itself: the file name does not start with ``test_``)."""

import pytest

from tests._servers import server_unreachable


def test_server_gone():
    server_unreachable("FakeDB at 127.0.0.1:1", "connection refused")


def test_extra_package_missing():
    pytest.skip("could not import 'redis': No module named 'redis'")


def test_other_skip():
    pytest.skip("not applicable on this platform")
