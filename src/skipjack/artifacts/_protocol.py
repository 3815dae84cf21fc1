"""The artifact store seam: three methods, keyed by artifact id."""

from __future__ import annotations

from typing import BinaryIO, Protocol, runtime_checkable

from skipjack.exceptions import OptunaError

__all__ = ["ArtifactStore", "ArtifactNotFound"]


class ArtifactNotFound(OptunaError):
    """No artifact with the given id exists in the store."""


@runtime_checkable
class ArtifactStore(Protocol):
    """Where artifact bodies live (Optuna's artifact-store protocol).

    Implementations must be safe to call from several threads and processes at once for
    different artifact ids; an id is written once.
    """

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Return a readable binary stream of the artifact; raises ``ArtifactNotFound``."""
        ...

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Store the bytes read from ``content_body`` under ``artifact_id``."""
        ...

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact; raises ``ArtifactNotFound`` if there is none."""
        ...
