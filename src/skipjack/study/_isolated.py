"""Hard trial limits: run the objective in a child process that can be killed.

``study.optimize(..., trial_timeout=SECONDS, trial_memory_mb=MB)`` wraps the objective in an
``IsolatedObjective``. Each optimize thread owns one worker process (in a new session, so it
leads its own process group), started as :func:`start_method` decides (below). The worker runs the objective with a proxy trial
that forwards every call (``_suggest``, the primitive of the ``suggest_*`` methods, ``report``, ``should_prune``, ``set_user_attr``, ...) to
the real trial in the parent over a pipe, so sampling, pruning and storage writes stay in the
parent. The parent watches the clock and the resident memory of the worker and its descendants; at a limit it kills the
worker's whole process group and the trial fails with ``TrialTimeoutError("timed out after 300
s")`` or ``TrialMemoryError("exceeded 4096 MB")``. A worker that dies (segfault, ``os._exit``)
fails its trial with ``TrialCrashedError``. These three errors fail the trial and the study goes
on; any other exception raised by the objective behaves as without isolation (it stops the study
unless listed in ``catch``).

Design note: the worker is reused from trial to trial and only restarted after a kill or a
crash, so the isolation costs a pipe round trip per trial call instead of a process start per
trial. Memory is enforced two ways: the parent polls the RSS of the worker and of
the processes it started every 50 ms, and the worker
caps its address space (RLIMIT_AS) at its size at start plus twice the limit, so one huge
allocation fails at once with ``MemoryError`` (reported as the memory reason) instead of
exhausting the machine between two polls.

How the worker starts (``start_method``; ``SKIPJACK_ISOLATION_START=spawn|fork|forkserver``
overrides it):

- ``spawn`` (a fresh interpreter; the objective is pickled, so it must be a module-level function)
  when the main module is a file with an ``if __name__ == "__main__":`` guard, and on Windows.
  ``spawn`` re-imports the main module in the child: without the guard the script would run again
  there, so it is only used when the guard is present.
- ``fork`` on POSIX when the main module has no guard (most example scripts) or no file at all (a
  notebook, the REPL, ``python -c``). The child is a copy of the parent: the objective is passed by
  value, so lambdas and closures work too. Only the forking thread exists in the child, which runs
  nothing but the objective and talks to the parent over its pipe.
- On Windows a script without the guard cannot run isolated trials: ``optimize`` says so at once.
"""

from __future__ import annotations

import ast
import datetime
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from skipjack.distributions import BaseDistribution
from skipjack.exceptions import OptunaError, TrialPruned
from skipjack.trial._base import BaseTrial

__all__ = [
    "IsolatedObjective",
    "TrialIsolationError",
    "TrialTimeoutError",
    "TrialMemoryError",
    "TrialCrashedError",
    "isolate",
    "isolate_catch",
    "start_method",
]

_POLL_SECONDS = 0.05
_START_SECONDS = 120.0  # a worker process must start (import the objective) within this


class TrialIsolationError(OptunaError):
    """A trial run in a child process was stopped by a limit or died (the study goes on)."""


class TrialTimeoutError(TrialIsolationError):
    """The trial ran longer than ``trial_timeout`` seconds and was killed."""


class TrialMemoryError(TrialIsolationError):
    """The trial used more than ``trial_memory_mb`` MB and was killed."""


class TrialCrashedError(TrialIsolationError):
    """The objective's process died (signal or ``os._exit``) before returning."""


class RemoteObjectiveError(OptunaError):
    """An exception from the objective's process that could not be pickled back."""


_START_METHODS = ("spawn", "fork", "forkserver")
_GUARDS: dict[str, bool] = {}


def _has_main_guard(path: str) -> bool:
    """Whether the script at ``path`` has a top-level ``if __name__ == "__main__":``."""
    if path not in _GUARDS:
        try:
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), filename=path)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            _GUARDS[path] = False
            return False
        found = False
        for node in tree.body:
            test = node.test if isinstance(node, ast.If) else None
            if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(
                test.ops[0], ast.Eq
            ):
                sides = [test.left, *test.comparators]
                names = [n.id for n in sides if isinstance(n, ast.Name)]
                consts = [n.value for n in sides if isinstance(n, ast.Constant)]
                found = found or (names == ["__name__"] and consts == ["__main__"])
        _GUARDS[path] = found
    return _GUARDS[path]


def start_method() -> str:
    """How isolated trials start their process here: ``"spawn"`` or ``"fork"`` (see the module
    docstring), or ``SKIPJACK_ISOLATION_START``.

    Raises:
        ValueError: ``SKIPJACK_ISOLATION_START`` names no start method, or the script has no
            ``__main__`` guard on a platform without ``fork`` (Windows).
    """
    forced = os.environ.get("SKIPJACK_ISOLATION_START", "").strip().lower()
    if forced:
        if forced not in _START_METHODS:
            raise ValueError(
                f"SKIPJACK_ISOLATION_START={forced!r} is not a start method: use one of "
                f"{', '.join(_START_METHODS)}, or unset it."
            )
        return forced
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    guarded = path is not None and _has_main_guard(str(path))
    if guarded:
        return "spawn"
    if os.name == "posix":
        return "fork"
    raise ValueError(
        "optimize(trial_timeout=..., trial_memory_mb=...) starts a process per worker, and on "
        "this platform it re-imports the main module: put the code that calls optimize under "
        "`if __name__ == \"__main__\":` in your script."
    )


def _check_limit(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(
            f"The '{name}' argument of optimize must be a positive number or None. Got {value!r}."
        )
    return float(value)


def isolate(
    func: Callable[..., Any],
    catch: Any,
    trial_timeout: float | None,
    trial_memory_mb: float | None,
) -> tuple[IsolatedObjective, Any]:
    """Wrap ``func`` for isolated runs; returns it with ``isolate_catch(catch)``.

    Raises:
        ValueError: a limit that is not a positive number.
        TypeError: ``func`` cannot be pickled (it must be sent to the child process).
    """
    timeout = _check_limit("trial_timeout", trial_timeout)
    memory = _check_limit("trial_memory_mb", trial_memory_mb)
    return IsolatedObjective(func, timeout, memory), isolate_catch(catch)


def isolate_catch(catch: Any) -> Any:
    """Return ``catch`` plus ``TrialIsolationError``: a killed trial never stops the study."""
    if isinstance(catch, type):
        catch = (catch,)
    try:
        return (*tuple(catch), TrialIsolationError)
    except TypeError:
        return catch  # left for optimize's own validation of ``catch``


def _fmt(x: float) -> str:
    return f"{x:g}"


class IsolatedObjective:
    """Callable ``objective(trial)`` that runs ``func`` in a killable worker process.

    Args:
        func: the objective; must be picklable (a module-level function, or a
            ``functools.partial`` of one; not a lambda or a closure).
        timeout: seconds per trial, or None.
        memory_mb: resident memory limit in MB, or None.
    """

    def __init__(
        self, func: Callable[..., Any], timeout: float | None, memory_mb: float | None
    ) -> None:
        self.start_method = start_method()
        try:
            if self.start_method != "fork":  # fork copies the objective: no pickling
                pickle.dumps(func)
        except Exception as e:
            raise TypeError(
                "The objective passed to optimize(trial_timeout=..., trial_memory_mb=...) must be "
                f"picklable to run in a child process, but pickling {func!r} failed: {e}. Define "
                "it at module level (not a lambda, closure or local function), or wrap a "
                "module-level function with functools.partial."
            ) from None
        self._func = func
        self._timeout = timeout
        self._memory_bytes = None if memory_mb is None else memory_mb * 1024 * 1024
        self._memory_mb = memory_mb
        self._local = threading.local()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()

    def _worker(self) -> _Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None or not worker.process.is_alive():
            worker = _Worker(self._func, self._memory_mb, self.start_method)
            self._local.worker = worker
            with self._lock:
                self._all.append(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        self._local.worker = None

    def close(self) -> None:
        """Stop every worker process (called when ``optimize`` returns)."""
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()

    def __call__(self, trial: Any) -> Any:
        worker = self._worker()
        conn = worker.conn
        worker.wait_ready()  # starting the process does not count against the trial's limit
        info = {"number": trial.number, "datetime_start": trial.datetime_start,
                "trace": _trace_carrier()}
        start = time.monotonic()
        deadline = None if self._timeout is None else start + self._timeout
        try:
            conn.send(("run", info))
            while True:
                wait_for = _POLL_SECONDS if self._memory_bytes is not None else 1.0
                if deadline is not None:
                    wait_for = max(0.0, min(wait_for, deadline - time.monotonic()))
                ready = wait([conn, worker.process.sentinel], timeout=wait_for)
                if conn in ready:
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):
                        msg = None
                    if msg is not None:
                        done, value = self._handle(trial, conn, msg)
                        if done:
                            return value
                        continue
                if ready:  # the process ended (or its pipe broke) without answering
                    worker.process.join(1.0)
                    code = worker.process.exitcode
                    self._discard(worker)
                    raise TrialCrashedError(f"the objective's process died ({_describe(code)})")
                if deadline is not None and time.monotonic() >= deadline:
                    self._discard(worker)
                    assert self._timeout is not None
                    raise TrialTimeoutError(f"timed out after {_fmt(self._timeout)} s")
                if self._memory_bytes is not None and worker.rss() > self._memory_bytes:
                    self._discard(worker)
                    raise TrialMemoryError(self._memory_reason())
        except (KeyboardInterrupt, SystemExit):
            self._discard(worker)
            raise

    def _memory_reason(self) -> str:
        assert self._memory_mb is not None
        return f"exceeded {_fmt(self._memory_mb)} MB"

    def _handle(self, trial: Any, conn: Connection, msg: tuple[Any, ...]) -> tuple[bool, Any]:
        kind = msg[0]
        if kind == "call":
            _, name, args, kwargs = msg
            try:
                attr = getattr(trial, name)
                value = attr(*args, **kwargs) if args is not None else attr
            except BaseException as e:  # noqa: BLE001 - sent back to be raised in the child
                conn.send(("err", _pack(e)))
            else:
                conn.send(("ok", value))
            return False, None
        if kind == "return":
            return True, msg[1]
        if kind == "pruned":
            raise TrialPruned(msg[1])
        if kind == "memory":
            self._discard(self._local.worker)
            raise TrialMemoryError(self._memory_reason())
        if kind == "raise":
            raise _unpack(msg[1])
        raise RuntimeError(f"Unexpected message from the objective's process: {msg!r}")


def _trace_carrier() -> dict[str, str] | None:
    # W3C trace context of the running trial, so spans the objective opens in the child nest under
    # it (when the child configures a tracer provider). Only if OpenTelemetry is already in use.
    if "opentelemetry.propagate" not in sys.modules and "opentelemetry.trace" not in sys.modules:
        return None
    try:
        from opentelemetry import propagate
    except ImportError:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


def _attach_trace(carrier: dict[str, str] | None) -> Any:
    if not carrier:
        return None
    try:
        from opentelemetry import context, propagate
    except ImportError:
        return None
    return context.attach(propagate.extract(carrier))


def _call_traced(func: Callable[..., Any], trial: Any, carrier: dict[str, str] | None) -> Any:
    token = _attach_trace(carrier)
    try:
        return func(trial)
    finally:
        if token is not None:
            from opentelemetry import context

            context.detach(token)


def _describe(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _pack(e: BaseException) -> Any:
    try:
        data = pickle.dumps(e)
        pickle.loads(data)
        return ("pickle", data)
    except Exception:
        return ("text", type(e).__name__, str(e))


def _unpack(packed: Any) -> BaseException:
    if packed[0] == "pickle":
        error: BaseException = pickle.loads(packed[1])
        return error
    return RemoteObjectiveError(f"{packed[1]}: {packed[2]}")


def _read_statm(pid: int | str, field: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return out


class _Worker:
    def __init__(self, func: Callable[..., Any], memory_mb: float | None, method: str) -> None:
        ctx: Any = multiprocessing.get_context(method)
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child_conn, func, memory_mb), daemon=True,
            name="skipjack-trial",
        )
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork in a threaded process; the child runs only the
            # objective and its pipe (see the module docstring).
            warnings.simplefilter("ignore", DeprecationWarning)
            self.process.start()
        child_conn.close()
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the worker's first message (it imported the objective)."""
        if self.ready:
            return
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline:
            ready = wait([self.conn, self.process.sentinel], timeout=1.0)
            if self.conn in ready:
                try:
                    msg = self.conn.recv()
                except (EOFError, OSError):
                    break
                if msg[0] == "ready":
                    self.ready = True
                    return
                if msg[0] == "raise":
                    self.kill()
                    raise TrialCrashedError(
                        f"the objective's process could not load the objective: {_unpack(msg[1])}"
                    )
            elif ready:
                break
        code = self.process.exitcode
        self.kill()
        raise TrialCrashedError(f"the objective's process did not start ({_describe(code)})")

    def rss(self) -> int:
        """Resident bytes of the worker and its descendants (subprocesses the objective ran)."""
        pid = self.process.pid or 0
        total, stack, seen = 0, [pid], set()
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            total += _read_statm(p, 1)
            stack.extend(_children(p))
        return total

    def kill(self) -> None:
        pid = self.process.pid
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)  # the worker leads its own process group
            except (ProcessLookupError, PermissionError, OSError):
                pass
        try:
            self.process.kill()
        except Exception:
            pass
        self.process.join(2.0)
        self.conn.close()

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(("stop", None))
                self.process.join(1.0)
            except (OSError, ValueError):
                pass
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


# --- the child process ----------------------------------------------------------------------------


def _worker_main(conn: Connection, func: Callable[..., Any], memory_mb: float | None) -> None:
    try:
        os.setsid()
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if memory_mb is not None:
        try:
            import resource

            cap = _read_statm("self", 0) + int(2 * memory_mb * 1024 * 1024)
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard == resource.RLIM_INFINITY or cap < hard:
                resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (ImportError, ValueError, OSError):
            pass
    conn.send(("ready", None))
    while True:
        try:
            kind, info = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "stop":
            return
        trial = RemoteTrial(conn, info)
        try:
            result = _call_traced(func, trial, info.get("trace"))
        except TrialPruned as e:
            conn.send(("pruned", str(e)))
            continue
        except MemoryError:
            if memory_mb is not None:
                conn.send(("memory", None))
                return
            conn.send(("raise", _pack(MemoryError("out of memory"))))
            continue
        except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
            conn.send(("raise", _pack(e)))
            continue
        try:
            conn.send(("return", result))
        except Exception as e:  # an unpicklable return value
            conn.send(("raise", _pack(TypeError(
                f"The objective returned {type(result).__name__}, which cannot be sent back "
                f"from the child process: {e}. Return a float or a list of floats."
            ))))


class RemoteTrial(BaseTrial):
    """The trial an isolated objective receives: every call is forwarded to the parent's trial."""

    def __init__(self, conn: Connection, info: dict[str, Any]) -> None:
        self._conn = conn
        self._number: int = info["number"]
        self._datetime_start: datetime.datetime | None = info["datetime_start"]

    def _call(self, name: str, args: Sequence[Any] | None, kwargs: dict[str, Any]) -> Any:
        self._conn.send(("call", name, None if args is None else tuple(args), kwargs))
        kind, value = self._conn.recv()
        if kind == "err":
            raise _unpack(value)
        return value

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        """The front-end's primitive (``_records/_suggest.py``), forwarded to the parent's trial:
        the ``suggest_*`` methods check their arguments here, in the child."""
        return self._call("_suggest", (name, distribution), {})

    def report(self, value: float, step: int) -> None:
        """Forwarded to the parent's ``Trial.report``."""
        self._call("report", (value, step), {})

    def should_prune(self) -> bool:
        """Forwarded to the parent's ``Trial.should_prune``."""
        return bool(self._call("should_prune", (), {}))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Forwarded to the parent's ``Trial.set_user_attr``."""
        self._call("set_user_attr", (key, value), {})

    def set_system_attr(self, key: str, value: Any) -> None:
        """Forwarded to the parent's ``Trial.set_system_attr`` (deprecated there)."""
        self._call("set_system_attr", (key, value), {})

    def set_constraint(self, key: str, value: float) -> None:
        """Forwarded to the parent's ``Trial.set_constraint``."""
        self._call("set_constraint", (key, value), {})

    @property
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far (fetched from the parent)."""
        value: dict[str, Any] = self._call("params", None, {})
        return value

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far (fetched from the parent)."""
        value: dict[str, BaseDistribution] = self._call("distributions", None, {})
        return value

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes (fetched from the parent)."""
        value: dict[str, Any] = self._call("user_attrs", None, {})
        return value

    @property
    def system_attrs(self) -> dict[str, Any]:
        """System attributes (fetched from the parent)."""
        value: dict[str, Any] = self._call("system_attrs", None, {})
        return value

    @property
    def relative_params(self) -> dict[str, Any]:
        """Relative parameters (fetched from the parent)."""
        value: dict[str, Any] = self._call("relative_params", None, {})
        return value

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""
        return self._datetime_start

    @property
    def number(self) -> int:
        """The trial's number in its study."""
        return self._number

    def __repr__(self) -> str:
        return f"RemoteTrial(number={self._number})"
