"""``Boto3ArtifactStore``: artifact bodies as objects in an S3 bucket (boto3 loaded lazily)."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from skipjack.artifacts._filesystem import check_artifact_id
from skipjack.artifacts._protocol import ArtifactNotFound

__all__ = ["Boto3ArtifactStore"]


class Boto3ArtifactStore:
    """Store artifacts in S3 (or any S3-compatible service) under ``bucket_name``.

    Args:
        bucket_name: the bucket.
        client: a boto3 S3 client; None creates ``boto3.client("s3")`` on first use.
        avoid_buf_copy: stream uploads directly instead of buffering them in memory first.
        prefix: a key prefix (e.g. ``"artifacts/"``).

    Raises:
        ImportError: boto3 is not installed (``pip install 'skipjack[s3]'``).
    """

    def __init__(
        self,
        bucket_name: str,
        client: Any = None,
        *,
        avoid_buf_copy: bool = False,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket_name
        self._client = client
        self._avoid_buf_copy = avoid_buf_copy
        self._prefix = prefix

    @property
    def client(self) -> Any:
        """The boto3 client (created on first use)."""
        if self._client is None:
            try:
                import boto3
            except ImportError as e:
                raise ImportError(
                    "Boto3ArtifactStore needs boto3: pip install 'skipjack[s3]' (or boto3)."
                ) from e
            self._client = boto3.client("s3")
        return self._client

    def _key(self, artifact_id: str) -> str:
        return self._prefix + check_artifact_id(artifact_id)

    @staticmethod
    def _is_missing(error: Exception) -> bool:
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("NoSuchKey", "404", "NotFound")

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Return the object's body stream."""
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(artifact_id))
        except Exception as e:
            if self._is_missing(e):
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in bucket {self.bucket!r}.") from None
            raise
        body: BinaryIO = obj["Body"]  # boto3's StreamingBody: a readable binary stream
        return body

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Upload ``content_body``."""
        body: BinaryIO = content_body
        if not self._avoid_buf_copy:
            body = io.BytesIO(content_body.read())  # boto3 may close the stream it is given
        self.client.upload_fileobj(body, self.bucket, self._key(artifact_id))

    def remove(self, artifact_id: str) -> None:
        """Delete the object (S3 deletes are idempotent, so a missing object is checked first)."""
        key = self._key(artifact_id)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as e:
            if self._is_missing(e):
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in bucket {self.bucket!r}.") from None
            raise
        self.client.delete_object(Bucket=self.bucket, Key=key)
