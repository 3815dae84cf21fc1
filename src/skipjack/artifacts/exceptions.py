"""Exceptions of the artifact stores (Optuna's ``optuna.artifacts.exceptions``)."""

from skipjack.artifacts._protocol import ArtifactNotFound

__all__ = ["ArtifactNotFound"]
