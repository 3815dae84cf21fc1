"""``Backoff``: retry a flaky artifact store with exponentially growing pauses."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, BinaryIO

from skipjack.artifacts._protocol import ArtifactNotFound

if TYPE_CHECKING:
    from skipjack.artifacts._protocol import ArtifactStore

__all__ = ["Backoff"]

_logger = logging.getLogger(__name__)


class Backoff:
    """An artifact store that retries ``backend``'s calls that fail (except ``ArtifactNotFound``,
    which is an answer, not a failure), pausing ``min_delay * multiplier ** n`` seconds (at most
    ``max_delay``) after the ``n``-th failure; the last failure is raised.

    Args:
        backend: the store to wrap, e.g. a ``Boto3ArtifactStore``.
        max_retries: attempts per call (at least 1).
        multiplier: growth of the pause (positive).
        min_delay: the first pause in seconds (positive).
        max_delay: the longest pause in seconds (above ``min_delay``).

    Raises:
        ValueError: an argument is out of range.
    """

    def __init__(
        self,
        backend: ArtifactStore,
        *,
        max_retries: int = 10,
        multiplier: float = 2,
        min_delay: float = 0.1,
        max_delay: float = 30,
    ) -> None:
        for name, value in (("max_retries", max_retries), ("multiplier", multiplier),
                            ("min_delay", min_delay)):
            if not value > 0:
                raise ValueError(f"Backoff's {name!r} must be positive; got {value!r}.")
        if not max_delay > min_delay:
            raise ValueError(
                f"Backoff's 'max_delay' ({max_delay!r}) must be greater than 'min_delay' "
                f"({min_delay!r})."
            )
        self._backend = backend
        self._max_retries = max_retries
        self._multiplier = multiplier
        self._min_delay = min_delay
        self._max_delay = max_delay

    def _get_sleep_secs(self, n_retry: int) -> float:
        return float(min(self._min_delay * self._multiplier**n_retry, self._max_delay))

    def _failed(self, attempt: int, what: str, artifact_id: str, error: Exception) -> None:
        if attempt == self._max_retries - 1:
            raise error
        _logger.error(f"Failed to {what} artifact={artifact_id} n_retry={attempt}", exc_info=error)
        time.sleep(self._get_sleep_secs(attempt))

    def open_reader(self, artifact_id: str) -> BinaryIO:
        for attempt in range(self._max_retries):
            try:
                return self._backend.open_reader(artifact_id)
            except ArtifactNotFound:
                raise
            except Exception as e:
                self._failed(attempt, "open", artifact_id, e)
        raise AssertionError("unreachable")  # pragma: no cover

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        start = content_body.tell() if content_body.seekable() else 0
        for attempt in range(self._max_retries):
            try:
                self._backend.write(artifact_id, content_body)
                return
            except ArtifactNotFound:
                raise
            except Exception as e:
                self._failed(attempt, "write", artifact_id, e)
            content_body.seek(start)

    def remove(self, artifact_id: str) -> None:
        for attempt in range(self._max_retries):
            try:
                self._backend.remove(artifact_id)
                return
            except ArtifactNotFound:
                raise
            except Exception as e:
                self._failed(attempt, "remove", artifact_id, e)
