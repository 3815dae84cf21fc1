"""OpenTelemetry traces of the optimize loop, checked with the real SDK's in-memory exporter."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

import skipjack  # noqa: E402
from skipjack import observability  # noqa: E402
from skipjack.exceptions import TrialPruned  # noqa: E402


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    observability.enable_tracing(tracer_provider=provider)
    _USER["tracer"] = provider.get_tracer("user")
    yield exporter
    observability.disable_tracing()


_USER: dict = {}


def _objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.suggest_categorical("kind", ["a", "b"])
    with _USER["tracer"].start_as_current_span("user.train"):
        for step in range(2):
            trial.report(x * step, step)
            trial.should_prune()
    if trial.number == 2:
        raise TrialPruned()
    if trial.number == 3:
        raise ValueError("broken")
    return x


def test_a_span_per_trial_with_children_and_attributes(spans):
    study = skipjack.create_study(study_name="traced")
    study.optimize(_objective, n_trials=4, catch=ValueError)
    finished = spans.get_finished_spans()
    trials = sorted((s for s in finished if s.name == "skipjack.trial"),
                    key=lambda s: s.attributes["skipjack.trial.number"])
    assert [s.attributes["skipjack.trial.state"] for s in trials] == [
        "COMPLETE", "COMPLETE", "PRUNED", "FAIL"]
    for record, span in zip(study.trials, trials):
        assert span.attributes["skipjack.study"] == "traced"
        assert span.attributes["skipjack.param.x"] == record.params["x"]
        assert span.attributes["skipjack.param.kind"] == record.params["kind"]
        children = [s for s in finished if s.parent is not None
                    and s.parent.span_id == span.context.span_id]
        names = sorted(s.name for s in children)
        assert names == ["skipjack.objective", "skipjack.sample", "skipjack.tell"]
        objective = next(s for s in children if s.name == "skipjack.objective")
        below = [s for s in finished if s.parent is not None
                 and s.parent.span_id == objective.context.span_id]
        # The user's span nests under the objective span, so under the trial.
        user = [s for s in below if s.name == "user.train"]
        assert len(user) == 1 and user[0].context.trace_id == span.context.trace_id
        reports = [s for s in below if s.name == "skipjack.report"]
        prunes = [s for s in below if s.name == "skipjack.should_prune"]
        assert [s.attributes["skipjack.step"] for s in reports] == [0, 1]
        assert [s.attributes["skipjack.prune"] for s in prunes] == [False, False]
    assert study.trials[0].values == list(trials[0].attributes["skipjack.trial.values"])
    failed_objective = next(s for s in finished if s.name == "skipjack.objective"
                            and s.attributes["skipjack.trial.number"] == 3)
    assert failed_objective.status.status_code.name == "ERROR"
    assert failed_objective.events[0].name == "exception"
    assert "ValueError" in trials[3].status.description


def test_tracing_stops_when_disabled(spans):
    observability.disable_tracing()
    study = skipjack.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert spans.get_finished_spans() == ()


def test_env_var_turns_tracing_on_in_a_fresh_process(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import "
        "InMemorySpanExporter\n"
        "exp = InMemorySpanExporter(); p = TracerProvider()\n"
        "p.add_span_processor(SimpleSpanProcessor(exp)); trace.set_tracer_provider(p)\n"
        "import skipjack\n"
        "s = skipjack.create_study()\n"
        "s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2)\n"
        "print(sorted({x.name for x in exp.get_finished_spans()}))\n"
    )
    env = dict(os.environ, SKIPJACK_TRACING="1", PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(
        ["skipjack.objective", "skipjack.sample", "skipjack.tell", "skipjack.trial"])


def test_trial_detail_records_one_span_with_events_and_user_spans_nest(spans):
    from skipjack.observability._hub import hub

    hub().trace_detail = "trial"  # as enable_tracing(provider, detail="trial") would set it
    study = skipjack.create_study(study_name="light")
    study.optimize(_objective, n_trials=2)
    finished = spans.get_finished_spans()
    trials = [s for s in finished if s.name == "skipjack.trial"]
    assert len(trials) == 2
    assert {s.name for s in finished} == {"skipjack.trial", "user.train"}
    for span in trials:
        users = [s for s in finished if s.name == "user.train"
                 and s.parent.span_id == span.context.span_id]
        assert len(users) == 1
        assert [e.name for e in span.events] == ["skipjack.report", "skipjack.should_prune"] * 2
        assert span.attributes["skipjack.trial.state"] == "COMPLETE"
    with pytest.raises(ValueError, match="'detail' argument of enable_tracing"):
        observability.enable_tracing(detail="verbose")


@pytest.mark.usefixtures("spawn_isolation")  # fork would copy the context, not send it
def test_trace_context_reaches_an_isolated_objective(spans):
    from tests.ops import _objectives

    study = skipjack.create_study(study_name="isolated-traced")
    study.optimize(_objectives.traced_in_child, n_trials=1, trial_timeout=60)
    trace_id, parent_id = study.trials[0].user_attrs["trace"]
    objective = next(s for s in spans.get_finished_spans() if s.name == "skipjack.objective")
    assert trace_id == format(objective.context.trace_id, "032x")
    assert parent_id == format(objective.context.span_id, "016x")


def test_tracing_and_metrics_together(spans):
    prometheus_client = pytest.importorskip("prometheus_client")
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    observability.register_metrics(registry)
    study = skipjack.create_study(study_name="both")
    study.optimize(_objective, n_trials=4, catch=ValueError)
    trial_spans = [s for s in spans.get_finished_spans() if s.name == "skipjack.trial"
                   and s.attributes["skipjack.study"] == "both"]
    assert len(trial_spans) == 4
    worker = {sample.labels["state"]: sample.value for family in registry.collect()
              for sample in family.samples if sample.name == "skipjack_worker_trials_total"
              and sample.labels["study"] == "both"}
    assert worker == {"COMPLETE": 2, "PRUNED": 1, "FAIL": 1}
