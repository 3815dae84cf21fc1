"""Upload, download and list artifacts; their metadata lives in system attributes.

Format (Optuna's, so either library reads the other's artifacts): the study or trial system
attribute ``"artifacts:<artifact_id>"`` holds a JSON string with ``artifact_id``, ``filename``,
``mimetype`` and ``encoding``. skipjack also records the upload time in
``"skipjack:artifact_time:<artifact_id>"`` (an ISO datetime) for retention; Optuna ignores it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import mimetypes
import os
import shutil
import uuid
import warnings
from typing import Any

from skipjack._records import FrozenTrial
from skipjack.artifacts._protocol import ArtifactStore
from skipjack.storages import BaseStorage
from skipjack.study import Study
from skipjack.trial import Trial

__all__ = [
    "ArtifactMeta",
    "upload_artifact",
    "download_artifact",
    "get_all_artifact_meta",
    "ARTIFACT_PREFIX",
    "ARTIFACT_TIME_PREFIX",
]

ARTIFACT_PREFIX = "artifacts:"
ARTIFACT_TIME_PREFIX = "skipjack:artifact_time:"


@dataclasses.dataclass(frozen=True)
class ArtifactMeta:
    """What is known about an artifact: its id, original file name, MIME type and encoding."""

    artifact_id: str
    filename: str
    mimetype: str
    encoding: str | None


def _target(study_or_trial: Any, storage: BaseStorage | None, fn: str) -> tuple[Any, ...]:
    """Return ``("study", storage, study_id)`` or ``("trial", storage, trial_id)``."""
    if isinstance(study_or_trial, Study):
        return "study", study_or_trial._storage, study_or_trial._study_id
    if isinstance(study_or_trial, Trial):
        return "trial", study_or_trial.storage, study_or_trial._trial_id
    if isinstance(study_or_trial, FrozenTrial):
        if storage is None:
            raise ValueError(
                f"The 'storage' argument of {fn} is required when 'study_or_trial' is a "
                "FrozenTrial (a frozen record does not know its storage). Pass "
                "storage=study._storage or the storage URL's storage object."
            )
        return "trial", storage, study_or_trial._trial_id
    raise TypeError(
        f"The 'study_or_trial' argument of {fn} must be a Study, Trial or FrozenTrial. "
        f"Got {type(study_or_trial).__name__}."
    )


_UPLOAD_POSITIONAL = ("study_or_trial", "file_path", "artifact_store")


def upload_artifact(*args: Any, **kwargs: Any) -> str:
    """Copy the file at ``file_path`` into ``artifact_store`` and attach it to a study or trial.

    Keyword arguments as ``_upload_artifact``; the positional form ``upload_artifact(trial,
    file_path, artifact_store)`` of Optuna < 4 still works with Optuna's ``FutureWarning``.
    """
    if args:
        if len(args) > len(_UPLOAD_POSITIONAL):
            raise TypeError(
                f"upload_artifact() takes at most {len(_UPLOAD_POSITIONAL)} positional arguments "
                f"({', '.join(_UPLOAD_POSITIONAL)}) but {len(args)} were given."
            )
        names = _UPLOAD_POSITIONAL[: len(args)]
        warnings.warn(
            f"upload_artifact() got {set(names)} as positional arguments but they were expected "
            "to be given as keyword arguments.\nPositional arguments "
            f"{list(_UPLOAD_POSITIONAL)} in upload_artifact() have been deprecated since v4.0.0. "
            "They will be replaced with the corresponding keyword arguments in v6.0.0, so please "
            "use the keyword specification instead. See "
            "https://github.com/optuna/optuna/releases/tag/v4.0.0 for details.",
            FutureWarning,
            stacklevel=2,
        )
        for name, value in zip(names, args):
            if name in kwargs:
                raise TypeError(f"upload_artifact() got multiple values for argument {name!r}.")
            kwargs[name] = value
    return _upload_artifact(**kwargs)


def _upload_artifact(
    *,
    artifact_store: ArtifactStore,
    file_path: str,
    study_or_trial: Study | Trial | FrozenTrial,
    storage: BaseStorage | None = None,
    mimetype: str | None = None,
    encoding: str | None = None,
) -> str:
    """Copy the file at ``file_path`` into ``artifact_store`` and attach it to a study or trial.

    Args:
        artifact_store: where the body goes (e.g. ``FileSystemArtifactStore``).
        file_path: the file to upload.
        study_or_trial: the owner; a ``FrozenTrial`` needs ``storage`` too.
        storage: the storage of a ``FrozenTrial`` owner.
        mimetype: MIME type; guessed from the file name when None.
        encoding: content encoding; guessed from the file name when None.

    Returns:
        The new artifact's id.

    Raises:
        FileNotFoundError: ``file_path`` does not exist.
        UpdateFinishedTrialError: the trial has finished (attach artifacts while it runs).
    """
    kind, store_of, owner_id = _target(study_or_trial, storage, "upload_artifact")
    if not os.path.isfile(file_path):
        raise FileNotFoundError(
            f"The 'file_path' argument of upload_artifact must be an existing file. "
            f"Got {file_path!r}."
        )
    guessed_type, guessed_encoding = mimetypes.guess_type(file_path)
    meta = ArtifactMeta(
        artifact_id=str(uuid.uuid4()),
        filename=os.path.basename(file_path),
        mimetype=mimetype or guessed_type or "application/octet-stream",
        encoding=encoding or guessed_encoding,
    )
    with open(file_path, "rb") as f:
        artifact_store.write(meta.artifact_id, f)
    value = json.dumps(dataclasses.asdict(meta))
    now = datetime.datetime.now().isoformat()
    if kind == "study":
        store_of.set_study_system_attr(owner_id, ARTIFACT_PREFIX + meta.artifact_id, value)
        store_of.set_study_system_attr(owner_id, ARTIFACT_TIME_PREFIX + meta.artifact_id, now)
    else:
        if isinstance(study_or_trial, Trial):
            study_or_trial._set_system_attr(ARTIFACT_PREFIX + meta.artifact_id, value)
            study_or_trial._set_system_attr(ARTIFACT_TIME_PREFIX + meta.artifact_id, now)
        else:
            store_of.set_trial_system_attr(owner_id, ARTIFACT_PREFIX + meta.artifact_id, value)
            store_of.set_trial_system_attr(owner_id, ARTIFACT_TIME_PREFIX + meta.artifact_id,
                                           now)
    return meta.artifact_id


# inspect.signature(upload_artifact) and help() show the keyword signature, as Optuna's.
setattr(upload_artifact, "__wrapped__", _upload_artifact)
upload_artifact.__doc__ = _upload_artifact.__doc__


def download_artifact(*, artifact_store: ArtifactStore, artifact_id: str, file_path: str) -> None:
    """Write the artifact ``artifact_id`` to ``file_path``.

    Raises:
        FileExistsError: ``file_path`` exists already (nothing is overwritten).
        ArtifactNotFound: the store has no such artifact (e.g. it was garbage collected).
    """
    if os.path.exists(file_path):
        raise FileExistsError(
            f"The 'file_path' argument of download_artifact must not exist yet. Got "
            f"{file_path!r}; remove it or choose another path."
        )
    reader = artifact_store.open_reader(artifact_id)
    try:
        with open(file_path, "wb") as f:
            shutil.copyfileobj(reader, f)
    finally:
        reader.close()


def _parse(attrs: dict[str, Any]) -> list[ArtifactMeta]:
    out = []
    for key, value in attrs.items():
        if not key.startswith(ARTIFACT_PREFIX):
            continue
        try:
            data = json.loads(value) if isinstance(value, str) else dict(value)
            out.append(ArtifactMeta(data["artifact_id"], data["filename"], data["mimetype"],
                                    data.get("encoding")))
        except (ValueError, KeyError, TypeError):
            continue  # not an artifact record: ignore it
    return out


def get_all_artifact_meta(
    study_or_trial: Study | Trial | FrozenTrial, *, storage: BaseStorage | None = None
) -> list[ArtifactMeta]:
    """Return the metadata of every artifact attached to a study or trial.

    A ``FrozenTrial`` is read as recorded; pass ``storage`` to read its current attributes.
    """
    if isinstance(study_or_trial, FrozenTrial) and storage is None:
        return _parse(study_or_trial.system_attrs)
    kind, store_of, owner_id = _target(study_or_trial, storage, "get_all_artifact_meta")
    if kind == "study":
        return _parse(store_of.get_study_system_attrs(owner_id))
    return _parse(store_of.get_trial_system_attrs(owner_id))
