"""The dashboard's view of each study: every trial kept in memory, kept current incrementally.

One ``StudyView`` per study reads the storage with ``get_trials_since`` (the storage's incremental
read, from a watermark), never ``get_all_trials`` after the first load. Each change bumps a
sequence number; a trial remembers the sequence of its last change, so a live client that has
seen sequence N asks for "what changed after N" and gets only those trials (``changed_since``).

Refreshes are throttled (``min_interval`` seconds) and serialised by a lock, so many clients and
requests share one storage read. Views are thread-safe; the records they hand out are immutable.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState

if TYPE_CHECKING:
    from skipjack.storages import BaseStorage

__all__ = ["StudyView", "Views", "StudyNotFound", "TrialNotFound", "count_states"]


class StudyNotFound(LookupError):
    """No study of that name (the message names no other study)."""


class TrialNotFound(LookupError):
    """No trial of that number in the study."""


_LOADER_LOCK = threading.Lock()
# First reads running at once (a study list of many studies starts one per study): the others
# queue, so a large storage is not read by hundreds of threads together.
_LOAD_SLOTS = threading.BoundedSemaphore(4)


class StudyView:
    """The trials of one study, refreshed from the storage's incremental read.

    Bookkeeping per refresh is proportional to what changed, not to the study: the trials are
    kept in number order (numbers are dense), a change log (sequence, trial number) is appended
    to, and the counts by state and the best single-objective trial are updated in place.
    """

    def __init__(self, storage: BaseStorage, study_id: int, name: str,
                 min_interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.storage = storage
        self.study_id = study_id
        self.name = name
        self.directions: list[StudyDirection] = storage.get_study_directions(study_id)
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._watermark: Any = None
        self._loaded = False
        self._last_refresh = -1e18
        self._trials: dict[int, FrozenTrial] = {}
        self._ordered: list[FrozenTrial] | None = []  # None: rebuild from _trials on next read
        self._log_seq: list[int] = []  # change log: sequence numbers (ascending) ...
        self._log_number: list[int] = []  # ... and the trial each one changed
        self.counts: dict[str, int] = {s.name: 0 for s in TrialState}
        self.best: FrozenTrial | None = None  # best COMPLETE trial (single objective)
        self.front: list[FrozenTrial] = []  # the Pareto front (multi-objective), kept in place
        self._signs = [-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in self.directions]
        self.seq = 0
        self.last_activity: float | None = None  # wall-clock time of the latest change seen
        self._ready = threading.Event()  # set once the first (full) read is merged
        self._loader: threading.Thread | None = None
        self._load_started = 0.0

    # --- refresh --------------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> int:
        """Read what changed since the last refresh (at most once per ``min_interval``).

        Returns the current sequence number.
        """
        now = self._clock()
        if not force and self._loaded and now - self._last_refresh < self._min_interval:
            return self.seq
        with self._lock:
            now = self._clock()
            if not force and self._loaded and now - self._last_refresh < self._min_interval:
                return self.seq
            trials, watermark = self.storage.get_trials_since(self.study_id, self._watermark)
            # Design note: the interval counts from the end of the read, so a slow read (a large
            # study on a busy database) is not repeated back to back by the next caller.
            self._last_refresh = self._clock()
            self._merge(trials, full=self._watermark is None and watermark is None)
            self._watermark = watermark
            self._loaded = True
            self._ready.set()
            return self.seq

    @property
    def loaded(self) -> bool:
        """True once the first read of the whole study is merged."""
        return self._loaded

    def wait_loaded(self, timeout: float) -> bool:
        """Start the first read in a background thread (once) and wait up to ``timeout`` s.

        Returns ``loaded``. A large study's first read takes seconds (every row of every
        trial); meanwhile pages are answered from the storage's own aggregates (see
        ``Dashboard.cold_summary``) instead of waiting for it.
        """
        if self._loaded:
            return True
        with _LOADER_LOCK:
            if self._loader is None or not self._loader.is_alive():
                self._loader = threading.Thread(target=self._load, daemon=True,
                                                name=f"skipjack-dashboard-load-{self.study_id}")
                self._load_started = time.monotonic()
                self._loader.start()
        # Waiting counts from the start of the read: once a read has run longer than a page
        # waits, later pages do not wait for it again.
        left = timeout - (time.monotonic() - self._load_started)
        return self._ready.wait(max(0.0, left)) if left > 0 else self._loaded

    def join_loader(self) -> None:
        """Wait until the first read started by ``wait_loaded`` ends (loaded or failed)."""
        loader = self._loader
        if loader is not None:
            loader.join()

    def _load(self) -> None:
        with _LOAD_SLOTS:
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - e.g. the study was deleted: the next request says so
                pass

    def _merge(self, trials: list[FrozenTrial], full: bool) -> None:
        kept = self._trials
        changed = [t for t in trials if kept.get(t.number) != t]
        if full and len(trials) < len(kept):  # a storage without an incremental read
            gone = set(kept) - {t.number for t in trials}
            for number in gone:
                self.counts[kept.pop(number).state.name] -= 1
            self._ordered = None
            if self.best is not None and self.best.number in gone:
                self.best = None
                self._rebest(list(kept.values()))
            if any(t.number in gone for t in self.front):
                self.front = []
                self._refront(list(kept.values()))
        if not changed:
            return
        self.seq += 1
        ordered = self._ordered
        for t in changed:
            old = kept.get(t.number)
            if old is not None:
                self.counts[old.state.name] -= 1
            self.counts[t.state.name] += 1
            kept[t.number] = t
            if ordered is not None:
                if t.number < len(ordered) and ordered[t.number].number == t.number:
                    ordered[t.number] = t
                elif old is None and t.number == len(ordered):
                    ordered.append(t)
                else:
                    ordered = self._ordered = None  # numbers not dense: rebuild on read
            self._log_seq.append(self.seq)
            self._log_number.append(t.number)
        self._rebest(changed)
        self._refront(changed)
        if len(self._log_seq) > 4 * max(1024, len(kept)):  # keep the log bounded
            self._compact_log()
        self.last_activity = max(
            (_activity(t) for t in changed), default=self.last_activity or 0.0)

    def _rebest(self, candidates: list[FrozenTrial]) -> None:
        if len(self.directions) != 1:
            return
        maximize = self.directions[0] == StudyDirection.MAXIMIZE
        best = self.best
        for t in candidates:
            if t.state != TrialState.COMPLETE or not t.values or math.isnan(t.values[0]):
                continue
            v = t.values[0]
            if best is None:
                best = t
                continue
            b = best.values[0]  # type: ignore[index]
            if (v > b if maximize else v < b) or (v == b and t.number < best.number):
                best = t
        self.best = best

    def _refront(self, candidates: list[FrozenTrial]) -> None:
        """Fold COMPLETE trials into the Pareto front (cost: candidates x front size; finished
        trials never change, so a member leaves only when a new trial dominates it). Trials with
        equal values are all kept, as ``pareto_front_trials`` does."""
        if len(self.directions) < 2:
            return
        signs = self._signs
        front = [(t, [s * v for s, v in zip(signs, t.values)]) for t in self.front]  # type: ignore[arg-type]
        changed = False
        for t in candidates:
            if t.state != TrialState.COMPLETE or not t.values or len(t.values) != len(signs) \
                    or any(math.isnan(v) for v in t.values):
                continue
            if any(f.number == t.number for f, _ in front):
                continue
            key = [s * v for s, v in zip(signs, t.values)]
            if any(_dominates(k, key) for _, k in front):
                continue
            front = [(f, k) for f, k in front if not _dominates(key, k)]
            front.append((t, key))
            changed = True
        if changed:
            self.front = sorted((f for f, _ in front), key=lambda f: f.number)

    def _compact_log(self) -> None:
        last: dict[int, int] = {}
        for seq, number in zip(self._log_seq, self._log_number):
            last[number] = seq
        pairs = sorted((seq, number) for number, seq in last.items())
        self._log_seq = [p[0] for p in pairs]
        self._log_number = [p[1] for p in pairs]

    # --- reads ----------------------------------------------------------------------------------

    def trials(self) -> list[FrozenTrial]:
        """Every trial, ordered by number (a fresh list of immutable records)."""
        self.refresh()
        with self._lock:
            if self._ordered is None:
                ordered = [self._trials[n] for n in sorted(self._trials)]
                dense = all(t.number == i for i, t in enumerate(ordered))
                self._ordered = ordered if dense else None
                return list(ordered)
            return list(self._ordered)

    def trial(self, number: int) -> FrozenTrial:
        self.refresh()
        with self._lock:
            found = self._trials.get(number)
        if found is None:
            raise TrialNotFound("The study has no trial with that number.")
        return found

    def changed_since(self, seq: int, limit: int) -> tuple[int, list[FrozenTrial] | None]:
        """(current sequence, trials changed after ``seq``), or None when more than ``limit``."""
        import bisect

        self.refresh()
        with self._lock:
            if seq >= self.seq:
                return self.seq, []
            start = bisect.bisect_right(self._log_seq, seq)
            if len(self._log_seq) - start > 4 * limit:
                return self.seq, None
            numbers = sorted(set(self._log_number[start:]))
            if len(numbers) > limit:
                return self.seq, None
            return self.seq, [self._trials[n] for n in numbers]


def _dominates(a: list[float], b: list[float]) -> bool:
    """``a`` dominates ``b`` (both in minimisation signs)."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def _activity(t: FrozenTrial) -> float:
    when = t.datetime_complete or t.datetime_start
    return when.timestamp() if when is not None else time.time()


class Views:
    """The ``StudyView`` of every study of a storage (by study id), created on first use."""

    def __init__(self, storage: BaseStorage, min_interval: float = 0.1) -> None:
        self.storage = storage
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._views: dict[int, StudyView] = {}
        self._names: tuple[float, dict[int, str]] = (-1e18, {})

    def studies(self, fresh: bool = False) -> dict[int, str]:
        """Study id -> name of every study (re-read at most every ``min_interval`` seconds)."""
        now = time.monotonic()
        stamp, names = self._names
        if fresh or now - stamp >= self._min_interval:
            names = {s.study_id: s.study_name for s in self.storage.get_all_studies()}
            self._names = (now, names)
        return names

    def get(self, study_id: int) -> StudyView:
        """The view of study ``study_id``; ``StudyNotFound`` when there is none."""
        with self._lock:
            view = self._views.get(study_id)
        if view is not None:
            return view
        name = self.studies().get(study_id)
        if name is None:
            name = self.studies(fresh=True).get(study_id)  # it may have just been created
        if name is None:
            raise StudyNotFound("No study with that id exists in this storage.")
        view = StudyView(self.storage, study_id, name, self._min_interval)
        with self._lock:
            return self._views.setdefault(study_id, view)

    def forget(self, study_id: int) -> None:
        with self._lock:
            self._views.pop(study_id, None)


def count_states(trials: list[FrozenTrial]) -> dict[str, int]:
    counts = {s.name: 0 for s in TrialState}
    for t in trials:
        counts[t.state.name] += 1
    return counts
