"""Backoff (retries), GCSArtifactStore (through an injected client), artifacts.exceptions and the
positional form of upload_artifact."""

from __future__ import annotations

import inspect
import io
import logging
import time
from typing import Any, BinaryIO

import pytest

import skipjack
from skipjack.artifacts import (
    Backoff,
    FileSystemArtifactStore,
    GCSArtifactStore,
    get_all_artifact_meta,
    upload_artifact,
)
from skipjack.artifacts.exceptions import ArtifactNotFound


class Flaky:
    """A store whose calls fail ``failures`` times (OSError) before reaching the real store."""

    def __init__(self, base: Any, failures: int) -> None:
        self.base, self.failures, self.calls = base, failures, 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise OSError(f"transient failure {self.calls}")

    def open_reader(self, artifact_id: str) -> BinaryIO:
        self._maybe_fail()
        return self.base.open_reader(artifact_id)  # type: ignore[no-any-return]

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        content_body.read(3)  # a failed upload may have consumed part of the body
        self._maybe_fail()
        content_body.seek(0)
        self.base.write(artifact_id, content_body)

    def remove(self, artifact_id: str) -> None:
        self._maybe_fail()
        self.base.remove(artifact_id)


def test_exceptions_module_is_the_same_class() -> None:
    assert skipjack.artifacts.exceptions.ArtifactNotFound is skipjack.artifacts.ArtifactNotFound
    assert issubclass(ArtifactNotFound, skipjack.exceptions.OptunaError)


def test_backoff_delays_and_validation() -> None:
    b = Backoff(FileSystemArtifactStore("."), min_delay=0.1, multiplier=10, max_delay=10)
    assert [b._get_sleep_secs(i) for i in range(4)] == [0.1, 1.0, 10.0, 10.0]
    for kwargs in ({"max_retries": 0}, {"multiplier": 0}, {"min_delay": 0},
                   {"min_delay": 1, "max_delay": 1}):
        with pytest.raises(ValueError, match="Backoff"):
            Backoff(FileSystemArtifactStore("."), **kwargs)  # type: ignore[arg-type]


def test_backoff_retries_transient_failures(tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    flaky = Flaky(FileSystemArtifactStore(str(tmp_path)), failures=2)
    store = Backoff(flaky, min_delay=0.001, max_delay=0.01)
    with caplog.at_level(logging.ERROR):
        store.write("a", io.BytesIO(b"hello world"))
    assert flaky.calls == 3
    assert sum("Failed to write artifact=a" in r.message for r in caplog.records) == 2
    flaky.calls = 0
    assert store.open_reader("a").read() == b"hello world"  # body rewound before each retry
    flaky.calls = 0
    store.remove("a")
    assert flaky.calls == 3  # one successful remove, not retried after success
    with pytest.raises(ArtifactNotFound):
        store.open_reader("a")


def test_backoff_does_not_retry_not_found_and_raises_the_last_failure(tmp_path: Any) -> None:
    base = FileSystemArtifactStore(str(tmp_path))
    counting = Flaky(base, failures=0)
    with pytest.raises(ArtifactNotFound):
        Backoff(counting, min_delay=0.001, max_delay=0.01).open_reader("missing")
    assert counting.calls == 1
    always = Flaky(base, failures=100)
    start = time.monotonic()
    with pytest.raises(OSError, match="transient failure 3"):
        Backoff(always, max_retries=3, min_delay=0.001, max_delay=0.01).write("b", io.BytesIO(b"x"))
    assert always.calls == 3 and time.monotonic() - start < 1.0


class _Blob:
    def __init__(self, bucket: _Bucket, name: str) -> None:
        self.bucket, self.name = bucket, name

    def upload_from_string(self, data: bytes) -> None:
        self.bucket.data[self.name] = data

    def download_as_bytes(self) -> bytes:
        return self.bucket.data[self.name]


class _Bucket:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def blob(self, name: str) -> _Blob:
        return _Blob(self, name)

    def get_blob(self, name: str) -> _Blob | None:
        return _Blob(self, name) if name in self.data else None

    def delete_blob(self, name: str) -> None:
        del self.data[name]


class _Client:
    """google.cloud.storage.Client's bucket/blob calls used by the store, kept in a dict."""

    def __init__(self) -> None:
        self.buckets: dict[str, _Bucket] = {}

    def bucket(self, name: str) -> _Bucket:
        return self.buckets.setdefault(name, _Bucket())


@pytest.mark.filterwarnings("ignore::skipjack.exceptions.ExperimentalWarning")
def test_gcs_store_through_upload_and_download(tmp_path: Any) -> None:
    client = _Client()
    store = GCSArtifactStore("my-bucket", client=client)
    study = skipjack.create_study()
    trial = study.ask()
    path = tmp_path / "model.txt"
    path.write_text("weights")
    artifact_id = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
    assert client.buckets["my-bucket"].data[artifact_id] == b"weights"
    out = tmp_path / "back.txt"
    skipjack.artifacts.download_artifact(artifact_store=store, file_path=str(out), artifact_id=artifact_id)
    assert out.read_text() == "weights"
    store.remove(artifact_id)
    with pytest.raises(ArtifactNotFound, match="bucket: my-bucket, artifact_id: "):
        store.open_reader(artifact_id)


def test_gcs_store_is_experimental_and_needs_the_library_without_a_client() -> None:
    with pytest.warns(skipjack.exceptions.ExperimentalWarning):
        GCSArtifactStore("b", client=_Client())
    try:
        import google.cloud.storage  # noqa: F401
    except ImportError:
        with pytest.warns(skipjack.exceptions.ExperimentalWarning), \
                pytest.raises(ImportError, match="google-cloud-storage"):
            GCSArtifactStore("b")


def test_upload_artifact_positional_form_warns(tmp_path: Any) -> None:
    store = FileSystemArtifactStore(str(tmp_path))
    study = skipjack.create_study()
    trial = study.ask()
    path = tmp_path / "dummy.txt"
    path.write_text("foo")
    with pytest.warns(FutureWarning, match="positional arguments"):
        a = upload_artifact(trial, str(path), store)
    with pytest.warns(FutureWarning):
        b = upload_artifact(trial, file_path=str(path), artifact_store=store)
    metas = get_all_artifact_meta(trial)
    assert [m.artifact_id for m in metas][-2:] == [a, b]
    with pytest.raises(TypeError, match="multiple values"), pytest.warns(FutureWarning):
        upload_artifact(trial, str(path), file_path=str(path), artifact_store=store)
    assert list(inspect.signature(upload_artifact).parameters) == [
        "artifact_store", "file_path", "study_or_trial", "storage", "mimetype", "encoding"]
