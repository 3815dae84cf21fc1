"""Files attached to trials with a file-system artifact store, listed and downloaded back.

uses: optuna
"""

import os
import tempfile

import optuna
from optuna.artifacts import FileSystemArtifactStore, download_artifact, upload_artifact

base = tempfile.mkdtemp()
artifact_store = FileSystemArtifactStore(base_path=os.path.join(base, "artifacts"))
os.makedirs(os.path.join(base, "artifacts"), exist_ok=True)


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    path = os.path.join(base, f"model-{trial.number}.txt")
    with open(path, "w") as f:
        f.write(f"x={x}\n")
    artifact_id = upload_artifact(
        artifact_store=artifact_store, file_path=path, study_or_trial=trial
    )
    trial.set_user_attr("artifact_id", artifact_id)
    return x ** 2


if __name__ == "__main__":
    storage = f"sqlite:///{base}/example.db"
    study = optuna.create_study(storage=storage)
    study.optimize(objective, n_trials=8)
    best_artifact = study.best_trial.user_attrs["artifact_id"]
    out = os.path.join(base, "best.txt")
    download_artifact(artifact_store=artifact_store, artifact_id=best_artifact, file_path=out)
    meta = optuna.artifacts.get_all_artifact_meta(
        study.best_trial, storage=optuna.storages.get_storage(storage)
    )
    print(open(out).read().strip(), [m.filename for m in meta])
    assert open(out).read().startswith("x=") and len(meta) == 1
