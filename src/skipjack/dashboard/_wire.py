"""Wire types of the JSON API, for its OpenAPI description and request bodies.

The answers themselves are built by ``_serialize`` (plain dicts, no validation cost on 500-row
pages); these models document their shape (``responses={200: {"model": ...}}``), and request
bodies are validated with them. ``tests/dashboard/test_api.py`` checks that real answers carry
every field each model lists.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["StudySummary", "StudyList", "StudyDetail", "TrialRow", "TrialPage", "TrialDetail",
           "NoteIn", "Note", "TellIn", "PauseIn", "Problem", "Meta"]

Value = float | str | None  # non-finite floats travel as "inf", "-inf", "nan"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    detail: str


class Meta(_Open):
    read_only: bool
    version: str
    plotly: bool
    artifacts: bool


class StudySummary(_Open):
    id: int
    name: str
    directions: list[str]
    metric_names: list[str] | None
    n_trials: int
    states: dict[str, int]
    best_value: Value
    best_values: list[Value] | None
    best_trial: int | None
    n_best_trials: int | None
    last_activity: str | None
    datetime_start: str | None


class StudyList(BaseModel):
    studies: list[StudySummary]


class Note(BaseModel):
    body: str
    version: int
    updated: str | None


class StudyDetail(StudySummary):
    user_attrs: dict[str, Any]
    system_attrs: dict[str, Any]
    param_names: list[str]
    attr_names: list[str]
    note: Note
    seq: int


class TrialRow(_Open):
    number: int
    state: str
    values: list[Value] | None
    params: dict[str, Any]
    user_attrs: dict[str, Any]
    datetime_start: str | None
    datetime_complete: str | None
    duration: float | None
    n_steps: int


class TrialPage(BaseModel):
    total: int
    offset: int
    limit: int
    seq: int
    trials: list[TrialRow]


class Artifact(BaseModel):
    artifact_id: str
    filename: str
    mimetype: str
    encoding: str | None


class TrialDetail(TrialRow):
    trial_id: int
    distributions: dict[str, Any]
    intermediate_values: list[list[Value]]
    system_attrs: dict[str, Any]
    fail_reason: str | None
    fail_traceback: str | None
    pruning: list[dict[str, Any]]
    directions: list[str]
    heartbeat_age: float | None
    running_for: float | None
    note: Note
    artifacts: list[Artifact]


class NoteIn(BaseModel):
    body: str = Field(max_length=100_000)
    version: int = Field(ge=0, description="the version of the note this edit starts from")


class TellIn(BaseModel):
    state: Literal["COMPLETE", "PRUNED", "FAIL"] = "COMPLETE"
    values: list[float] | None = None


class PauseIn(BaseModel):
    paused: bool
