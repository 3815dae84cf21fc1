"""``JournalRedisBackend``: the journal in Redis, with Optuna's key layout.

Keys (``P`` is the prefix): ``P:log_number`` holds the number of the last operation (-1 before the
first), ``P:log:<n>`` operation ``n`` as a JSON string. An append is one Lua script (atomic on a
standalone server), a read one script that returns every operation after a given number, so each
is one round trip. skipjack also keeps, beside the log and invisible to Optuna,
``P:skipjack:snapshot`` (a hash: the latest snapshot of the replayed state) and
``P:skipjack:heartbeats`` (a hash: trial id -> last heartbeat on the Redis server's clock).
Optuna's own snapshot key ``P:snapshot`` is neither read nor written.

On a Redis Cluster (``use_cluster=True``) the keys of one journal live on different nodes, so no
script can append atomically. Optuna's cluster append takes a number with ``INCR`` and then writes
the operation with ``SET``: a writer that dies between the two, or an ``INCR`` whose reply is lost
and retried, leaves a number without an operation, and readers stop at that hole for good. Here an
operation claims its number with ``SET P:log:<n> op NX`` on the first number that is free, so a key
exists only with its operation in it and the log has no holes; ``P:log_number`` is then raised to
``n`` (never lowered), a hint that may lag when a writer died in between. Readers read past the
hint until the first missing key. An append whose reply was lost is recognised by reading its key
back (every operation carries its writer's ``worker_id``, and a writer appends one at a time).

``redis`` (redis-py) is imported on first use: ``pip install redis``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from skipjack.storages._url import connect_timeout, mask_password
from skipjack.storages.journal._base import (
    BaseJournalBackend,
    JournalHeartbeatSupport,
    JournalResetError,
    JournalSnapshotSupport,
)
from skipjack.storages.journal._file import parse_lines

__all__ = ["JournalRedisBackend"]

_T = TypeVar("_T")

_CHUNK = 4000

# KEYS[1] = log_number key; ARGV[1] = prefix; ARGV[2..] = operations
_APPEND = """
if redis.call('exists', KEYS[1]) == 0 then redis.call('set', KEYS[1], -1) end
for i = 2, #ARGV do
  local n = redis.call('incr', KEYS[1])
  redis.call('set', ARGV[1] .. ':log:' .. n, ARGV[i])
end
return redis.call('get', KEYS[1])
"""

# KEYS[1] = log_number key; ARGV[1] = prefix; ARGV[2] = first number; ARGV[3] = max count.
# A log shorter than the reader has already read was reset under it (Redis restarted without
# persistence, keys deleted): the scripts answer {'!reset', <last number>} and append nothing.
_READ = """
local cur = redis.call('get', KEYS[1])
local first = tonumber(ARGV[2])
local last = tonumber(cur or '-1')
if last < first - 1 then return {'!reset', tostring(last)} end
if last < first then return {} end
local stop = math.min(last, first + tonumber(ARGV[3]) - 1)
local keys = {}
for n = first, stop do keys[#keys + 1] = ARGV[1] .. ':log:' .. n end
return redis.call('mget', unpack(keys))
"""

# KEYS[1] = log_number key; ARGV[1] = prefix; ARGV[2] = first number to return;
# ARGV[3] = max count; ARGV[4..] = operations to append first
_APPEND_READ = """
local cur = tonumber(redis.call('get', KEYS[1]) or '-1')
if cur < tonumber(ARGV[2]) - 1 then return {'!reset', tostring(cur)} end
if redis.call('exists', KEYS[1]) == 0 then redis.call('set', KEYS[1], -1) end
local last = 0
for i = 4, #ARGV do
  last = redis.call('incr', KEYS[1])
  redis.call('set', ARGV[1] .. ':log:' .. last, ARGV[i])
end
last = tonumber(redis.call('get', KEYS[1]))
local first = tonumber(ARGV[2])
if last < first then return {} end
local stop = math.min(last, first + tonumber(ARGV[3]) - 1)
local keys = {}
for n = first, stop do keys[#keys + 1] = ARGV[1] .. ':log:' .. n end
return redis.call('mget', unpack(keys))
"""

# KEYS[1] = log_number key; ARGV[1] = a number the log has reached (the hint only goes up)
_RAISE = """
local cur = tonumber(redis.call('get', KEYS[1]) or '-1')
if cur < tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) end
return 1
"""

# In cluster mode, how many numbers past the hint a read looks at in the same round trip.
_PROBE = 4

_BEAT = """
local t = redis.call('TIME')
redis.call('hset', KEYS[1], ARGV[1], t[1] .. '.' .. string.format('%06d', tonumber(t[2])))
return 1
"""

_AGES = """
local t = redis.call('TIME')
local out = {t[1] .. '.' .. string.format('%06d', tonumber(t[2]))}
local vals = redis.call('hmget', KEYS[1], unpack(ARGV))
for i = 1, #vals do out[#out + 1] = vals[i] or '' end
return out
"""


CONNECT_ATTEMPT_SECONDS = 5.0


# Errors no wait cures: a host name that does not resolve (a DNS outage says "temporary failure").
_UNKNOWN_HOST_TEXT = ("name or service not known", "nodename nor servname", "no such host",
                      "no address associated with hostname")


class JournalRedisBackend(BaseJournalBackend, JournalSnapshotSupport, JournalHeartbeatSupport):
    """The journal in Redis (Optuna's ``JournalRedisBackend``: same keys and format).

    Args:
        url: ``redis://[[user]:password@]host:port[/db]`` (``rediss://`` for TLS).
        use_cluster: True for a Redis Cluster: appends are then two commands (not atomic, as in
            Optuna), and reads fetch keys one by one.
        prefix: prefix of every key, so several journals can share one server.
        retry_timeout: seconds during which a lost or refused connection is retried, with
            backoff, before ``ConnectionError`` is raised (a skipjack keyword; default
            ``$SKIPJACK_CONNECT_TIMEOUT``, 30 s). Each connection attempt gives up after
            ``CONNECT_ATTEMPT_SECONDS`` (5 s), so an unreachable server is reported within
            ``retry_timeout`` + 5 s. An append whose reply was lost is not appended twice: before
            retrying, the backend reads the log back and looks for it.
    """

    def __init__(
        self,
        url: str,
        use_cluster: bool = False,
        prefix: str = "",
        *,
        retry_timeout: float | None = None,
    ) -> None:
        if not isinstance(url, str) or "://" not in url:
            raise ValueError(
                f"The 'url' argument of JournalRedisBackend must be a Redis URL such as "
                f"redis://localhost:6379. Got {url!r}."
            )
        self._url = url
        self._use_cluster = bool(use_cluster)
        self._prefix = str(prefix)
        if retry_timeout is None:
            retry_timeout = connect_timeout()
        if retry_timeout < 0:
            raise ValueError(
                "The 'retry_timeout' argument of JournalRedisBackend must be >= 0. "
                f"Got {retry_timeout!r}."
            )
        self.retry_timeout = float(retry_timeout)
        self._client: Any = None
        self._scripts: dict[str, Any] = {}
        self._cluster_next = 0  # cluster mode: no number below this one is free

    @property
    def url(self) -> str:
        """The URL with its password masked."""
        return mask_password(self._url)

    def __repr__(self) -> str:
        return f"JournalRedisBackend({self.url!r}, prefix={self._prefix!r})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_client"] = None
        state["_scripts"] = {}
        state["_cluster_next"] = 0
        return state

    @property
    def redis(self) -> Any:
        """The redis-py client (connected on first use)."""
        if self._client is None:
            try:
                import redis
            except ImportError:
                raise ImportError(
                    "JournalRedisBackend needs the redis package: pip install redis "
                    "(or pip install 'skipjack[redis]')."
                ) from None
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # no automatic retries inside redis-py: a retried append could run twice; we retry
            # ourselves, checking whether a lost append landed (see append_and_read_logs)
            no_retry = Retry(NoBackoff(), 0)
            if self._use_cluster:
                self._client = redis.RedisCluster.from_url(
                    self._url, retry=no_retry, socket_connect_timeout=CONNECT_ATTEMPT_SECONDS)
            else:
                self._client = redis.Redis.from_url(
                    self._url, retry=no_retry, socket_connect_timeout=CONNECT_ATTEMPT_SECONDS)
        return self._client

    def _script(self, name: str, source: str) -> Any:
        script = self._scripts.get(name)
        if script is None:
            script = self._scripts[name] = self.redis.register_script(source)
        return script

    def _key(self, name: str) -> str:
        return f"{self._prefix}:{name}"

    def _call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run an idempotent command, retrying lost connections for ``retry_timeout`` seconds."""
        return self._retrying(lambda: fn(*args, **kwargs))

    def _retrying(
        self, attempt: Callable[[], _T], recover: Callable[[], _T | None] | None = None
    ) -> _T:
        """Call ``attempt`` until it succeeds; after a failure, ``recover()`` (if given) may
        return a result (not None) that ends the retries."""
        import redis

        transient = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        deadline = None
        delay = 0.05
        while True:
            try:
                return attempt()
            except redis.exceptions.ResponseError as e:
                if "DB index is out of range" in str(e):
                    raise ValueError(
                        f"The database index in the Redis URL {self.url} is out of range for "
                        "this server (databases are numbered 0 to the server's 'databases' "
                        "setting minus one, 0..15 by default): use e.g. redis://host:6379/0."
                    ) from None
                raise
            except transient as e:
                if isinstance(e, redis.exceptions.AuthenticationError) or any(
                    marker in str(e).lower() for marker in _UNKNOWN_HOST_TEXT
                ):
                    raise ConnectionError(
                        f"Cannot connect to the Redis server of the journal at {self.url}: {e}. "
                        "This is not an outage (retrying will not help): check the host name, "
                        "the user name and the password."
                    ) from e
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.retry_timeout
                if now >= deadline:
                    raise ConnectionError(
                        f"Cannot reach the Redis server of the journal at {self.url}: {e}. "
                        "Check that it is running and that host and port are right (retried "
                        f"for {self.retry_timeout:g} s)."
                    ) from e
                time.sleep(min(delay, max(0.0, deadline - now)) * (0.5 + random.random()))
                delay = min(delay * 2, 2.0)
                if recover is not None:
                    try:
                        recovered = recover()
                    except transient:
                        continue
                    if recovered is not None:
                        return recovered

    # --- the log ----------------------------------------------------------------------------------

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        return self._call(self._read, log_number_from, [])

    def append_and_read_logs(
        self, logs: list[dict[str, Any]], log_number_from: int
    ) -> list[dict[str, Any]]:
        """``append_logs(logs)`` then ``read_logs(log_number_from)`` in one round trip.

        ``log_number_from`` must not be past the end of the log: after a lost reply the log is
        read back from there to find out whether the append landed (it is atomic: all or none).
        """
        encoded = [json.dumps(log) for log in logs]
        if not encoded:
            return self._call(self._read, log_number_from, [])
        if self._use_cluster:
            self._append_cluster(encoded)
            return self._call(self._read, log_number_from, [])

        def landed() -> list[dict[str, Any]] | None:
            raw = self._read_raw(log_number_from)
            return self._parse(raw) if encoded[-1] in raw else None

        return self._retrying(lambda: self._read(log_number_from, encoded), landed)

    def _read_raw(self, log_number_from: int) -> list[str]:
        out: list[str] = []
        first = log_number_from
        while True:
            chunk = self._script("read", _READ)(
                keys=[self._key("log_number")], args=[self._prefix, first, _CHUNK]
            )
            items = [x.decode() if isinstance(x, bytes) else x for x in chunk if x is not None]
            self._check_reset(items, first)
            out.extend(items)
            if len(chunk) < _CHUNK:
                return out
            first += len(chunk)

    def _check_reset(self, items: list[Any], first: int) -> None:
        if items and items[0] == "!reset":
            raise JournalResetError(
                f"The Redis journal at {self.url} (prefix {self._prefix!r}) was reset under this "
                f"process: it has {int(items[1]) + 1} operations, and this process had already "
                f"read {first}. Redis restarted without persistence or the keys were deleted, so "
                "the studies it held are gone from the server. Nothing was appended. Restart the "
                "workers on a fresh study, and enable Redis persistence (appendonly yes)."
            )

    def _parse(self, raw: list[str]) -> list[dict[str, Any]]:
        return parse_lines("\n".join(raw) + "\n", self.url) if raw else []

    def _read(self, log_number_from: int, append: list[str]) -> list[dict[str, Any]]:
        if self._use_cluster:
            return self._parse(self._read_cluster(log_number_from))
        logs: list[dict[str, Any]] = []
        first = log_number_from
        while True:
            if append:
                raw = self._script("append_read", _APPEND_READ)(
                    keys=[self._key("log_number")],
                    args=[self._prefix, first, _CHUNK, *append],
                )
                append = []
            else:
                raw = self._script("read", _READ)(
                    keys=[self._key("log_number")],
                    args=[self._prefix, first, _CHUNK],
                )
            if not raw:
                return logs
            items = [x.decode() if isinstance(x, bytes) else x for x in raw]
            self._check_reset(items, first)
            logs.extend(self._parse(items))
            if len(raw) < _CHUNK:
                return logs
            first += len(raw)

    def _read_cluster(self, first: int) -> list[str]:
        """Operations ``first``, ``first + 1``, ... up to the first number with no key."""
        r = self.redis
        hint = int(r.get(self._key("log_number")) or -1)
        out: list[str] = []
        while True:
            stop = min(max(hint, first) + _PROBE, first + _CHUNK - 1)
            pipe = r.pipeline()
            for n in range(first, stop + 1):
                pipe.get(self._key(f"log:{n}"))
            for item in pipe.execute():
                if item is None:
                    return out
                out.append(item.decode() if isinstance(item, bytes) else item)
            first = stop + 1

    def _append_cluster(self, encoded: list[str]) -> None:
        """Write each operation on the first free number with ``SET NX`` (see the module doc)."""
        r = self.redis
        hint = self._call(lambda: int(r.get(self._key("log_number")) or -1))
        n = max(self._cluster_next, hint + 1)
        for payload in encoded:
            while True:
                key = self._key(f"log:{n}")

                def landed(key: str = key, payload: str = payload) -> bool | None:
                    # None: nothing at `key` yet, so SET NX is retried
                    value = r.get(key)
                    if value is None:
                        return None
                    return (value.decode() if isinstance(value, bytes) else value) == payload

                def claim(key: str = key, payload: str = payload) -> bool:
                    return bool(r.set(key, payload, nx=True))

                claimed = self._retrying(claim, landed)
                n += 1
                if claimed:
                    break
        self._cluster_next = n
        self._call(self._script("raise", _RAISE), keys=[self._key("log_number")], args=[n - 1])

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if not logs:
            return
        if self._use_cluster:
            self._append_cluster([json.dumps(log) for log in logs])
            return
        key = self._key("log_number")
        start = self._call(lambda: int(self.redis.get(key) or -1)) + 1
        self.append_and_read_logs(logs, start)

    # --- snapshots --------------------------------------------------------------------------------

    def _log_digest(self, log_number: int) -> str | None:
        if log_number == 0:
            return ""
        raw = self._call(self.redis.get, self._key(f"log:{log_number - 1}"))
        return None if raw is None else hashlib.sha1(raw).hexdigest()

    def save_replay_snapshot(self, log_number: int, data: bytes) -> None:
        digest = self._log_digest(log_number)
        if digest is None:
            return
        self._call(
            self.redis.hset,
            self._key("skipjack:snapshot"),
            mapping={"log_number": log_number, "digest": digest, "data": data},
        )

    def load_replay_snapshot(self) -> tuple[int, bytes] | None:
        number, digest, data = self._call(
            self.redis.hmget, self._key("skipjack:snapshot"), ["log_number", "digest", "data"]
        )
        if number is None or data is None:
            return None
        log_number = int(number)
        if self._log_digest(log_number) != (digest or b"").decode():
            return None
        return log_number, data

    def snapshot_log_number(self) -> int:
        number = self._call(self.redis.hget, self._key("skipjack:snapshot"), "log_number")
        return -1 if number is None else int(number)

    # --- heartbeats -------------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        self._call(
            self._script("beat", _BEAT),
            keys=[self._key("skipjack:heartbeats")],
            args=[int(trial_id)],
        )

    def get_heartbeat_ages(self, trial_ids: list[int]) -> dict[int, float]:
        if not trial_ids:
            return {}
        out = self._call(
            self._script("ages", _AGES),
            keys=[self._key("skipjack:heartbeats")],
            args=[int(t) for t in trial_ids],
        )
        now = float(out[0])
        return {t: now - float(v) for t, v in zip(trial_ids, out[1:]) if v}

    def clear_heartbeat(self, trial_id: int) -> None:
        self._call(self.redis.hdel, self._key("skipjack:heartbeats"), int(trial_id))
