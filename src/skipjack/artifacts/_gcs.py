"""``GCSArtifactStore``: artifact bodies as blobs in a Google Cloud Storage bucket
(``google-cloud-storage`` loaded lazily)."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from skipjack._deprecation import experimental
from skipjack.artifacts._protocol import ArtifactNotFound

__all__ = ["GCSArtifactStore"]


@experimental("3.4.0")
class GCSArtifactStore:
    """Store artifacts in the GCS bucket ``bucket_name``.

    Args:
        bucket_name: the bucket.
        client: a ``google.cloud.storage.Client``; None creates one with the default
            credentials.

    Raises:
        ImportError: ``google-cloud-storage`` is not installed and no client is given
            (``pip install 'skipjack[gcs]'``).
    """

    def __init__(self, bucket_name: str, client: Any = None) -> None:
        if client is None:
            try:
                import google.cloud.storage
            except ImportError as e:
                raise ImportError(
                    "GCSArtifactStore needs google-cloud-storage: pip install 'skipjack[gcs]' "
                    "(or google-cloud-storage), or pass client=."
                ) from e
            client = google.cloud.storage.Client()
        self.bucket_name = bucket_name
        self.client = client
        self.bucket_obj = client.bucket(bucket_name)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        blob = self.bucket_obj.get_blob(artifact_id)
        if blob is None:
            raise ArtifactNotFound(
                f"Artifact storage with bucket: {self.bucket_name}, artifact_id: {artifact_id} "
                "was not found"
            )
        return io.BytesIO(blob.download_as_bytes())

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        self.bucket_obj.blob(artifact_id).upload_from_string(content_body.read())

    def remove(self, artifact_id: str) -> None:
        self.bucket_obj.delete_blob(artifact_id)
