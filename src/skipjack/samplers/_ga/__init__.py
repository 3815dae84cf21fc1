"""Shared machinery of the genetic-algorithm samplers: generations rebuilt from the history."""

from skipjack.samplers._ga._base import BaseGASampler

__all__ = ["BaseGASampler"]
