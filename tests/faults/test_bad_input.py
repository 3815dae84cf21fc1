"""Bad input at the public API: every bad call gets a TypeError/ValueError (the types Optuna
raises for the same mistakes) whose message names the argument, nothing is accepted silently,
and the study still opens with all its trials afterwards.

Two parts: a table of hand-written cases (``CASES``, run on the in-memory, SQLite and journal
file storages; the study-name cases also on PostgreSQL, MariaDB and journal Redis), and
property-based tests (hypothesis) that generate bad values from the rules of
``skipjack._validation``. Each part prints how many distinct cases it tried, by category
(the figures of docs/reliability.md).
"""

from __future__ import annotations

import collections
import math
import uuid
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import skipjack
from skipjack._records import TrialState
from skipjack.storages import get_storage
from tests.storages._journal_helpers import REDIS_URL, open_file_storage

INF = math.inf
NAN = math.nan

# (category, label, call(study, trial), expected exception, words the message must contain)
Case = tuple[str, str, Callable[[Any, Any], Any], type[Exception], tuple[str, ...]]


class _Obj:
    """A value no storage can write as JSON."""

    def __repr__(self) -> str:
        return "<_Obj>"


def _float(*a: Any, **k: Any) -> Callable[[Any, Any], Any]:
    return lambda s, t: t.suggest_float(*a, **k)


def _int(*a: Any, **k: Any) -> Callable[[Any, Any], Any]:
    return lambda s, t: t.suggest_int(*a, **k)


def _cat(*a: Any, **k: Any) -> Callable[[Any, Any], Any]:
    return lambda s, t: t.suggest_categorical(*a, **k)


CASES: list[Case] = []
for bound in (INF, -INF, NAN):
    CASES += [
        ("bounds", f"suggest_float low={bound}", _float("x", bound, 1.0), ValueError, ("'low'",)),
        ("bounds", f"suggest_float high={bound}", _float("x", 0.0, bound), ValueError, ("'high'",)),
        ("bounds", f"suggest_float log low={bound}", _float("x", bound, 1.0, log=True),
         ValueError, ("'low'",)),
        ("bounds", f"suggest_int high={bound}", _int("i", 0, bound), ValueError, ("'high'",)),
    ]
for bad in ("a", None, [1], {"a": 1}, b"1", 1j, _Obj()):
    CASES += [
        ("bounds", f"suggest_float low={bad!r}", _float("x", bad, 1.0), TypeError, ("'low'",)),
        ("bounds", f"suggest_float high={bad!r}", _float("x", 0.0, bad), TypeError, ("'high'",)),
        ("bounds", f"suggest_int low={bad!r}", _int("i", bad, 3), TypeError, ("'low'",)),
        ("bounds", f"suggest_float step={bad!r}", _float("x", 0.0, 1.0, step=bad)
         if bad is not None else _float("x", 0.0, 1.0, step="a"), TypeError, ("'step'",)),
    ]
CASES += [
    ("bounds", "suggest_float low > high", _float("x", 2.0, 1.0), ValueError, ("low",)),
    ("bounds", "suggest_float log low=0", _float("x", 0.0, 1.0, log=True), ValueError, ("low",)),
    ("bounds", "suggest_float step=0", _float("x", 0.0, 1.0, step=0), ValueError, ("step",)),
    ("bounds", "suggest_float step=-1", _float("x", 0.0, 1.0, step=-1), ValueError, ("step",)),
    ("bounds", "suggest_float step=inf", _float("x", 0.0, 1.0, step=INF), ValueError, ("step",)),
    ("bounds", "suggest_float log and step", _float("x", 1.0, 2.0, log=True, step=0.1),
     ValueError, ("log",)),
    ("bounds", "suggest_float log='yes'", _float("x", 1.0, 2.0, log="yes"), TypeError, ("'log'",)),
    ("bounds", "suggest_int low=0.5", _int("i", 0.5, 3), ValueError, ("'low'",)),
    ("bounds", "suggest_int high=2.5", _int("i", 0, 2.5), ValueError, ("'high'",)),
    ("bounds", "suggest_int step=1.5", _int("i", 0, 3, step=1.5), ValueError, ("'step'",)),
    ("bounds", "suggest_int step=0", _int("i", 0, 3, step=0), ValueError, ("step",)),
    ("bounds", "suggest_int low > high", _int("i", 5, 1), ValueError, ("low",)),
    ("bounds", "suggest_int log low=0", _int("i", 0, 10, log=True), ValueError, ("low",)),
    ("bounds", "suggest_int log step=2", _int("i", 1, 10, log=True, step=2), ValueError, ("log",)),
]
for bad in (1, 1.5, None, ("a",), b"x", True):
    CASES += [
        ("names", f"suggest_float name={bad!r}", _float(bad, 0.0, 1.0), TypeError, ("'name'",)),
        ("names", f"suggest_int name={bad!r}", _int(bad, 0, 1), TypeError, ("'name'",)),
        ("names", f"suggest_categorical name={bad!r}", _cat(bad, ["a", "b"]), TypeError,
         ("'name'",)),
    ]
CASES += [
    ("names", "suggest_float name with NUL", _float("a\x00b", 0.0, 1.0), ValueError, ("'name'",)),
    ("names", "suggest_int name of 513 chars", _int("n" * 513, 0, 1), ValueError, ("'name'",)),
    ("names", "set_user_attr key=1", lambda s, t: t.set_user_attr(1, "v"), TypeError, ("'key'",)),
    ("names", "study set_user_attr key=None", lambda s, t: s.set_user_attr(None, 1), TypeError,
     ("'key'",)),
]
for bad in ("abc", b"ab", {"a": 1}, 5, None, 1.5):
    CASES.append(("choices", f"suggest_categorical choices={bad!r}", _cat("c", bad), TypeError,
                  ("'choices'",)))
CASES += [
    ("choices", "suggest_categorical choices=[]", _cat("c", []), ValueError, ("choices",)),
    ("choices", "suggest_categorical unhashable choice", _cat("c", [[1], [2]]), ValueError,
     ("hashable",)),
]
for bad in ("notadict", [17, 12], 5, None, ("x", 1)):
    CASES.append(("enqueue", f"enqueue_trial({bad!r})", lambda s, t, b=bad: s.enqueue_trial(b),
                  TypeError, ("'params'",)))
CASES += [
    ("enqueue", "enqueue_trial non-str key", lambda s, t: s.enqueue_trial({1: 2.0}), TypeError,
     ("'name'",)),
    ("enqueue", "enqueue_trial key with NUL", lambda s, t: s.enqueue_trial({"a\x00": 2.0}),
     ValueError, ("'name'",)),
]
for bad in (123, 1.5, b"name", ["a"], "a\x00b", "s" * 513):
    error = ValueError if isinstance(bad, str) else TypeError
    CASES += [
        ("study", f"create_study(study_name={bad!r:.20})",
         lambda s, t, b=bad: skipjack.create_study(storage=s._storage, study_name=b), error,
         ("'study_name'",)),
        ("study", f"load_study(study_name={bad!r:.20})",
         lambda s, t, b=bad: skipjack.load_study(storage=s._storage, study_name=b), error,
         ("'study_name'",)),
    ]
for bad in ("tpe", 42, skipjack.samplers.TPESampler, object()):
    CASES.append(("study", f"create_study(sampler={bad!r:.30})",
                  lambda s, t, b=bad: skipjack.create_study(storage=s._storage, sampler=b),
                  TypeError, ("'sampler'",)))
for bad in ("median", 42, skipjack.pruners.MedianPruner, object()):
    CASES.append(("study", f"create_study(pruner={bad!r:.30})",
                  lambda s, t, b=bad: skipjack.create_study(storage=s._storage, pruner=b),
                  TypeError, ("'pruner'",)))
CASES += [
    ("study", "create_study(direction='up')",
     lambda s, t: skipjack.create_study(storage=s._storage, direction="up"), ValueError,
     ("direction",)),
    ("study", "create_study(directions='minimize')",
     lambda s, t: skipjack.create_study(storage=s._storage, directions="minimize"), ValueError,
     ("directions",)),
    ("study", "optimize(n_trials=-1)", lambda s, t: s.optimize(lambda tr: 0.0, n_trials=-1),
     ValueError, ("n_trials",)),
    ("study", "optimize(n_trials='5')", lambda s, t: s.optimize(lambda tr: 0.0, n_trials="5"),
     ValueError, ("n_trials",)),
    ("study", "optimize(timeout=-1)", lambda s, t: s.optimize(lambda tr: 0.0, timeout=-1),
     ValueError, ("timeout",)),
    ("study", "optimize(n_jobs=0)", lambda s, t: s.optimize(lambda tr: 0.0, n_trials=1, n_jobs=0),
     ValueError, ("n_jobs",)),
    ("study", "optimize(catch=1)", lambda s, t: s.optimize(lambda tr: 0.0, n_trials=1, catch=1),
     TypeError, ("catch",)),
    ("study", "tell('1', 1.0)", lambda s, t: s.tell("1", 1.0), TypeError, ("Trial",)),
    ("study", "tell(unknown number)", lambda s, t: s.tell(10_000, 1.0), ValueError, ("10000",)),
    ("study", "report(step=-1)", lambda s, t: t.report(1.0, -1), ValueError, ("step",)),
    ("study", "report(value='a')", lambda s, t: t.report("a", 0), TypeError, ("value",)),
]
# non-JSON values: refused where the storage writes JSON (all but in-memory), naming the value
JSON_CASES: list[Case] = [
    ("json", "suggest_categorical object choice", _cat("c", [_Obj(), 1]), TypeError, ("'c'",)),
    ("json", "enqueue_trial object value", lambda s, t: s.enqueue_trial({"x": _Obj()}),
     TypeError, ("params['x']",)),
    ("json", "enqueue_trial set value", lambda s, t: s.enqueue_trial({"x": {1, 2}}), TypeError,
     ("params['x']",)),
    ("json", "enqueue_trial object user attr",
     lambda s, t: s.enqueue_trial({"x": 1}, user_attrs={"u": _Obj()}), TypeError, ("'u'",)),
    ("json", "trial set_user_attr object", lambda s, t: t.set_user_attr("k", _Obj()), TypeError,
     ("'value'", "'k'")),
    ("json", "study set_user_attr object", lambda s, t: s.set_user_attr("k", _Obj()), TypeError,
     ("'value'", "'k'")),
]

LOCAL = ["memory", "sqlite", "journal"]
SERVERS = ["postgresql", "mysql", "redis"]


def _storage(kind: str, tmp_path: Any) -> Any:
    if kind == "memory":
        return skipjack.storages.InMemoryStorage()
    if kind == "sqlite":
        return get_storage(f"sqlite:///{tmp_path / 'bad.db'}")
    if kind == "journal":
        return open_file_storage(str(tmp_path / "bad.log"))
    if kind == "redis":
        from tests.storages.test_journal import _redis_client

        _redis_client()  # fails (CI) or skips when Redis is down
        from skipjack.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(JournalRedisBackend(REDIS_URL, prefix=f"bad-{uuid.uuid4().hex}"))
    from tests.storages._rdb_servers import server_url

    return get_storage(server_url(kind))


def _seeded_study(storage: Any) -> Any:
    """A study with 3 finished trials and one enqueued, and one running trial."""
    study = skipjack.create_study(storage=storage, study_name=f"bad-{uuid.uuid4().hex[:10]}")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    study.enqueue_trial({"x": 0.5})
    return study


def _snapshot(study: Any) -> list[tuple[int, TrialState, dict[str, Any], Any]]:
    reopened = skipjack.load_study(storage=study._storage, study_name=study.study_name)
    return [(t.number, t.state, t.params, t.values) for t in reopened.trials]


def _check(case: Case, study: Any, figures: collections.Counter[str]) -> None:
    category, label, call, error, words = case
    trial = study.ask()
    before = _snapshot(study)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call(study, trial)
    message = str(info.value)
    for word in words:
        assert word in message, f"{label}: {message!r} does not name {word}"
    assert _snapshot(study) == before, f"{label} changed the study"
    study.tell(trial, 0.0)
    figures[category] += 1


@pytest.mark.parametrize("kind", LOCAL)
def test_every_listed_bad_call_gets_a_clear_error(kind, tmp_path):
    study = _seeded_study(_storage(kind, tmp_path))
    figures: collections.Counter[str] = collections.Counter()
    for case in CASES + (JSON_CASES if kind != "memory" else []):
        _check(case, study, figures)
    assert [t.state for t in skipjack.load_study(
        storage=study._storage, study_name=study.study_name).trials][:3] == [
        TrialState.COMPLETE] * 3
    print(f"\nbad-input table on {kind}: {dict(figures)}, total {sum(figures.values())}")


@pytest.mark.parametrize("kind", SERVERS)
def test_bad_names_and_values_never_reach_a_server(kind, tmp_path):
    study = _seeded_study(_storage(kind, tmp_path))
    cases = [c for c in CASES if c[0] in ("study", "names", "enqueue")] + JSON_CASES
    figures: collections.Counter[str] = collections.Counter()
    for case in cases:
        _check(case, study, figures)
    print(f"\nbad-input table on {kind}: {dict(figures)}, total {sum(figures.values())}")


def test_in_memory_keeps_objects_as_optuna_does():
    """What the JSON rule leaves alone: Python objects in an in-memory study (as in Optuna)."""
    study = skipjack.create_study()
    obj = _Obj()
    study.enqueue_trial({"x": 1}, user_attrs={"u": obj})
    trial = study.ask()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert trial.suggest_categorical("c", [obj, 1]) in (obj, 1)
    assert isinstance(trial.user_attrs["u"], _Obj)


def test_infinite_bound_written_by_optuna_still_reads():
    from skipjack.distributions import json_to_distribution

    dist = json_to_distribution(
        '{"name": "FloatDistribution", "attributes": '
        '{"low": 0.0, "high": Infinity, "log": false, "step": null}}'
    )
    assert dist.high == INF and dist.low == 0.0


# --- property-based: generated bad values ---------------------------------------------------

_non_numbers = st.one_of(
    st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1), st.binary(max_size=3),
    st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0),
)
_non_finite = st.sampled_from([INF, -INF, NAN])
_non_strings = st.one_of(st.integers(), st.floats(), st.none(), st.binary(max_size=4),
                         st.tuples(st.text(max_size=2)), st.booleans())
_bad_strings = st.one_of(
    st.text(max_size=8).map(lambda s: s + "\x00"),
    st.text(min_size=1, max_size=3).map(lambda s: (s * 600)[:513 + len(s)]),
)
_SETTINGS = settings(max_examples=60, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])

GENERATED: dict[str, set[str]] = collections.defaultdict(set)


def _expect(category: str, value: Any, call: Callable[[], Any], error: type[Exception],
            word: str) -> None:
    GENERATED[category].add(repr(value))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call()
    assert word in str(info.value), str(info.value)


@pytest.fixture(scope="module")
def prop_study(tmp_path_factory):
    study = _seeded_study(get_storage(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}"))
    before = _snapshot(study)
    yield study
    # the study still opens with all its trials (the running ones told below)
    after = _snapshot(study)
    assert after[:3] == before[:3]  # the finished trials, untouched
    assert [n for n, *_ in after] == list(range(len(after)))
    assert all(state.is_finished() for _, state, *_ in after)  # every asked trial was told
    print("\nhypothesis distinct bad inputs:",
          {k: len(v) for k, v in sorted(GENERATED.items())},
          "total", sum(len(v) for v in GENERATED.values()))


@_SETTINGS
@given(value=st.one_of(_non_numbers, _non_finite), which=st.sampled_from(["low", "high"]),
       kind=st.sampled_from(["float", "int"]))
def test_generated_bad_bounds(prop_study, value, which, kind):
    trial = prop_study.ask()
    low, high = (value, 1) if which == "low" else (0, value)
    suggest = trial.suggest_float if kind == "float" else trial.suggest_int
    error = TypeError if not isinstance(value, float) else ValueError
    _expect(f"bounds ({kind})", (which, value), lambda: suggest("x", low, high), error,
            f"'{which}'")
    prop_study.tell(trial, 0.0)


@_SETTINGS
@given(name=st.one_of(_non_strings, _bad_strings),
       kind=st.sampled_from(["float", "int", "categorical"]))
def test_generated_bad_parameter_names(prop_study, name, kind):
    trial = prop_study.ask()
    call = {"float": lambda: trial.suggest_float(name, 0, 1),
            "int": lambda: trial.suggest_int(name, 0, 1),
            "categorical": lambda: trial.suggest_categorical(name, ["a", "b"])}[kind]
    error = ValueError if isinstance(name, str) else TypeError
    _expect("parameter names", name, call, error, "'name'")
    prop_study.tell(trial, 0.0)


@_SETTINGS
@given(choices=st.one_of(st.text(max_size=6), st.binary(max_size=4), st.integers(),
                         st.floats(), st.none(),
                         st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)))
def test_generated_bad_choices(prop_study, choices):
    trial = prop_study.ask()
    _expect("categorical choices", choices, lambda: trial.suggest_categorical("c", choices),
            TypeError, "'choices'")
    prop_study.tell(trial, 0.0)


@_SETTINGS
@given(params=st.one_of(
    st.text(max_size=6), st.lists(st.integers(), max_size=3), st.integers(), st.none(),
    st.dictionaries(st.integers(), st.floats(), min_size=1, max_size=2),
    st.dictionaries(st.text(min_size=1, max_size=3), st.builds(_Obj), min_size=1, max_size=2),
    st.dictionaries(st.text(min_size=1, max_size=3),
                    st.frozensets(st.integers(), min_size=1, max_size=2), min_size=1, max_size=2),
))
@example(params={"\x00": _Obj()})  # a bad name and a bad value: the name is named
@example(params={"0": _Obj(), "\x00": _Obj()})  # the first bad item is named
def test_generated_bad_enqueued_params(prop_study, params):
    error: type[Exception] = TypeError
    if isinstance(params, dict) and all(isinstance(k, str) for k in params):
        word = "params["
        if params and "\x00" in next(iter(params)):  # items are checked in order, each name
            error, word = ValueError, "'name'"      # before its value (every value here is bad)
    elif isinstance(params, dict):
        word = "'name'"
    else:
        word = "'params'"
    _expect("enqueue_trial params", params, lambda: prop_study.enqueue_trial(params), error,
            word)


@_SETTINGS
@given(name=st.one_of(_non_strings.filter(lambda v: v is not None), _bad_strings),
       fn=st.sampled_from(["create_study", "load_study", "delete_study"]))
def test_generated_bad_study_names(prop_study, name, fn):
    call = getattr(skipjack, fn)
    error = ValueError if isinstance(name, str) else TypeError
    _expect("study names", (fn, name),
            lambda: call(storage=prop_study._storage, study_name=name), error, "'study_name'")


@_SETTINGS
@given(value=st.one_of(st.text(max_size=6), st.integers(), st.floats(), st.booleans(),
                       st.lists(st.integers(), max_size=2)),
       which=st.sampled_from(["sampler", "pruner"]))
def test_generated_bad_sampler_and_pruner(prop_study, value, which):
    _expect(f"{which} objects", value,
            lambda: skipjack.create_study(storage=prop_study._storage, **{which: value}),
            TypeError, f"'{which}'")
