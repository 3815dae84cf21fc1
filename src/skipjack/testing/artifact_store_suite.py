"""The artifact store conformance suite.

Subclass ``ArtifactStoreConformance`` in a test module and provide a pytest fixture named
``artifact_store`` returning a fresh, empty store. Checks: round trip of bytes (empty and large
bodies included), ``ArtifactNotFound`` for missing ids on read and remove, path-traversal ids
rejected with ValueError, distinct ids written from many threads at once, and the study-level
``upload_artifact``/``download_artifact`` round trip.
"""

from __future__ import annotations

import io
import os
import threading
from typing import Any

__all__ = ["ArtifactStoreConformance"]

_BAD_IDS = ("../escape", "/etc/passwd", "a/b", "..", ".hidden", "")


def _read(store: Any, artifact_id: str) -> bytes:
    reader = store.open_reader(artifact_id)
    try:
        return bytes(reader.read())
    finally:
        reader.close()


class ArtifactStoreConformance:
    """Shared artifact store checks; needs an ``artifact_store`` fixture."""

    def test_round_trip(self, artifact_store: Any) -> None:
        for artifact_id, body in (("a-1", b"hello"), ("a-2", b""), ("a-3", os.urandom(3_000_000))):
            artifact_store.write(artifact_id, io.BytesIO(body))
            assert _read(artifact_store, artifact_id) == body

    def test_missing_ids_raise_artifact_not_found(self, artifact_store: Any) -> None:
        import pytest

        from skipjack.artifacts import ArtifactNotFound

        with pytest.raises(ArtifactNotFound):
            artifact_store.open_reader("never-written")
        with pytest.raises(ArtifactNotFound):
            artifact_store.remove("never-written")
        artifact_store.write("gone", io.BytesIO(b"x"))
        artifact_store.remove("gone")
        with pytest.raises(ArtifactNotFound):
            artifact_store.open_reader("gone")

    def test_path_traversal_ids_are_rejected(self, artifact_store: Any) -> None:
        import pytest

        for bad in _BAD_IDS:
            with pytest.raises(ValueError):
                artifact_store.write(bad, io.BytesIO(b"x"))
            with pytest.raises(ValueError):
                artifact_store.open_reader(bad)
            with pytest.raises(ValueError):
                artifact_store.remove(bad)

    def test_distinct_ids_from_many_threads(self, artifact_store: Any) -> None:
        errors: list[BaseException] = []

        def worker(i: int) -> None:
            try:
                artifact_store.write(f"t-{i}", io.BytesIO(str(i).encode() * 1000))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for i in range(16):
            assert _read(artifact_store, f"t-{i}") == str(i).encode() * 1000

    def test_upload_and_download_through_a_study(self, artifact_store: Any, tmp_path: Any
                                                 ) -> None:
        from skipjack.artifacts import download_artifact, get_all_artifact_meta, upload_artifact
        from skipjack.study import create_study

        study = create_study()
        src = tmp_path / "report.txt"
        src.write_text("conformance")
        artifact_id = upload_artifact(artifact_store=artifact_store, file_path=str(src),
                                      study_or_trial=study)
        (meta,) = get_all_artifact_meta(study)
        assert (meta.artifact_id, meta.filename, meta.mimetype) == (
            artifact_id, "report.txt", "text/plain")
        out = tmp_path / "back.txt"
        download_artifact(artifact_store=artifact_store, artifact_id=artifact_id,
                          file_path=str(out))
        assert out.read_text() == "conformance"
