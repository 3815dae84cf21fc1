"""The trial system attributes pruning uses: vector reports, the decision log, the pause switch.

Design note: the storage contract stores one float per reported step. A multi-objective report
stores its first component as the intermediate value (so plots and Optuna tools see a curve) and
the whole vector in system attributes. The vectors and the decision log grow by one entry per
step; rewriting one list attribute per step would cost O(steps^2) bytes over a trial, and one key
per step would flood ``system_attrs``. Entries are therefore stored in chunks of ``CHUNK_SIZE``
under numbered keys (``<prefix>0``, ``<prefix>1``, ...): each write rewrites one bounded chunk.
Only the live trial writes these attributes; pruners and tools read them from trial records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "CHUNK_SIZE",
    "VECTORS_PREFIX",
    "LOG_PREFIX",
    "PAUSE_KEY",
    "LOG_SWITCH_KEY",
    "chunk_keys",
    "iter_chunks",
    "vector_at",
    "intermediate_vectors",
    "next_chunk",
]

CHUNK_SIZE = 50

# Trial system attributes: {"<step>": [v0, v1, ...]} per chunk.
VECTORS_PREFIX = "skipjack:intermediate_vectors:"
# Trial system attributes: one JSON object per line per chunk (a string: storages that copy
# attribute values defensively copy a string in O(1), where a list of dicts costs O(entries)).
LOG_PREFIX = "skipjack:pruning_log:"
# Study user attribute: True pauses pruning in every worker.
PAUSE_KEY = "skipjack:pruning_paused"
# Study user attribute: False stops writing the decision log (saves one write per decision).
LOG_SWITCH_KEY = "skipjack:pruning_log"


def chunk_keys(system_attrs: Mapping[str, Any], prefix: str) -> list[str]:
    """The chunk keys under ``prefix``, in chunk order."""
    found = []
    for key in system_attrs:
        if key.startswith(prefix):
            suffix = key[len(prefix):]
            if suffix.isdigit():
                found.append((int(suffix), key))
    found.sort()
    return [key for _, key in found]


def iter_chunks(system_attrs: Mapping[str, Any], prefix: str) -> Iterator[Any]:
    """The chunks under ``prefix``, in order."""
    for key in chunk_keys(system_attrs, prefix):
        yield system_attrs[key]


def next_chunk(system_attrs: Mapping[str, Any], prefix: str) -> tuple[str, int]:
    """The key of the chunk the next entry goes to, and how many entries it holds already."""
    keys = chunk_keys(system_attrs, prefix)
    if not keys:
        return f"{prefix}0", 0
    last = keys[-1]
    chunk = system_attrs[last]
    size = chunk.count("\n") if isinstance(chunk, str) else len(chunk)
    if size < CHUNK_SIZE:
        return last, size
    return f"{prefix}{len(keys)}", 0


def vector_at(system_attrs: Mapping[str, Any], step: int) -> tuple[float, ...] | None:
    """The vector reported at ``step`` by a multi-objective trial, or None."""
    key = str(step)
    for chunk in iter_chunks(system_attrs, VECTORS_PREFIX):
        vector = chunk.get(key)
        if vector is not None:
            return tuple(float(v) for v in vector)
    return None


def intermediate_vectors(system_attrs: Mapping[str, Any]) -> dict[int, tuple[float, ...]]:
    """Every vector reported by a multi-objective trial, by step."""
    out: dict[int, tuple[float, ...]] = {}
    for chunk in iter_chunks(system_attrs, VECTORS_PREFIX):
        for key, vector in chunk.items():
            out[int(key)] = tuple(float(v) for v in vector)
    return dict(sorted(out.items()))
