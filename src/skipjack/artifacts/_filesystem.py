"""``FileSystemArtifactStore``: artifact bodies as files in one directory."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from skipjack.artifacts._protocol import ArtifactNotFound

__all__ = ["FileSystemArtifactStore", "check_artifact_id"]

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def check_artifact_id(artifact_id: str) -> str:
    """Return ``artifact_id`` if it is a safe single path component, else raise ValueError.

    Ids made by ``upload_artifact`` are UUIDs; anything with a separator, a leading dot or
    ``..`` (path traversal) is rejected.
    """
    if not isinstance(artifact_id, str) or not _SAFE_ID.match(artifact_id) or ".." in artifact_id:
        raise ValueError(
            f"Invalid artifact_id {artifact_id!r}: use the id returned by upload_artifact "
            "(letters, digits, '.', '_' and '-', no path separators or '..')."
        )
    return artifact_id


class FileSystemArtifactStore:
    """Store artifacts as files under ``base_path`` (created if missing).

    Writes go to a temporary file renamed into place, so readers never see a partial artifact.
    Ids that would escape ``base_path`` (``../x``, ``/etc/passwd``, ``a/b``) are rejected with
    ValueError.

    Args:
        base_path: the directory holding the artifacts.
    """

    def __init__(self, base_path: str | os.PathLike[str]) -> None:
        self._base = Path(base_path).resolve()
        self._base.mkdir(parents=True, exist_ok=True)

    def _path(self, artifact_id: str) -> Path:
        path = (self._base / check_artifact_id(artifact_id)).resolve()
        if path.parent != self._base:
            raise ValueError(f"Invalid artifact_id {artifact_id!r}: it leaves the store's "
                             "directory.")
        return path

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Open the artifact for reading."""
        path = self._path(artifact_id)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise ArtifactNotFound(f"No artifact {artifact_id!r} in {self._base}.") from None

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Copy ``content_body`` into the store under ``artifact_id``."""
        path = self._path(artifact_id)
        fd, tmp = tempfile.mkstemp(dir=self._base, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                shutil.copyfileobj(content_body, f)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact."""
        path = self._path(artifact_id)
        try:
            path.unlink()
        except FileNotFoundError:
            raise ArtifactNotFound(f"No artifact {artifact_id!r} in {self._base}.") from None
