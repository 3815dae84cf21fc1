"""Artifacts: files attached to studies and trials (Optuna's API and metadata format).

``upload_artifact`` copies a file into an artifact store and records its metadata in the study or
trial; ``download_artifact`` copies it back; ``get_all_artifact_meta`` lists them.
``gc_artifacts`` (CLI ``skipjack artifacts gc``) deletes old ones except the best trials'.
Stores: ``FileSystemArtifactStore`` (a directory), ``Boto3ArtifactStore`` (S3; boto3 is
optional, ``pip install 'skipjack[s3]'``) and ``GCSArtifactStore`` (Google Cloud Storage,
``pip install 'skipjack[gcs]'``); ``Backoff`` wraps any of them with retries. Guide: ``docs/operations.md``.
"""

from skipjack.artifacts import exceptions
from skipjack.artifacts._backoff import Backoff
from skipjack.artifacts._boto3 import Boto3ArtifactStore
from skipjack.artifacts._filesystem import FileSystemArtifactStore
from skipjack.artifacts._gcs import GCSArtifactStore
from skipjack.artifacts._gc import ArtifactGcResult, gc_artifacts, parse_ttl
from skipjack.artifacts._meta import (
    ArtifactMeta,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from skipjack.artifacts._protocol import ArtifactNotFound, ArtifactStore

__all__ = [
    "ArtifactGcResult",
    "ArtifactMeta",
    "ArtifactNotFound",
    "ArtifactStore",
    "Backoff",
    "Boto3ArtifactStore",
    "FileSystemArtifactStore",
    "GCSArtifactStore",
    "download_artifact",
    "exceptions",
    "gc_artifacts",
    "get_all_artifact_meta",
    "parse_ttl",
    "upload_artifact",
]
