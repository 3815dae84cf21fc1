"""Artifacts: round trips on both stores, Optuna's metadata format, traversal, retention."""

from __future__ import annotations

import datetime
import json

import pytest

import skipjack
from skipjack.artifacts import (
    ArtifactNotFound,
    Boto3ArtifactStore,
    FileSystemArtifactStore,
    download_artifact,
    gc_artifacts,
    get_all_artifact_meta,
    parse_ttl,
    upload_artifact,
)
from skipjack.cli import main as cli_main
from skipjack.testing.artifact_store_suite import ArtifactStoreConformance


@pytest.fixture(params=["filesystem", "boto3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        yield FileSystemArtifactStore(tmp_path / "store")
        return
    moto = pytest.importorskip("moto", reason="moto is not installed in this environment")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x")
        client.create_bucket(Bucket="skipjack-test")
        yield Boto3ArtifactStore("skipjack-test", client=client, prefix="a/")


class TestStoreConformance(ArtifactStoreConformance):
    @pytest.fixture
    def artifact_store(self, store):
        return store


def test_round_trip_on_trial_and_study_in_optuna_format(store, tmp_path):
    study = skipjack.create_study()
    src = tmp_path / "model.json"
    src.write_text('{"weights": [1, 2, 3]}')
    ids = []

    def objective(trial):
        ids.append(upload_artifact(artifact_store=store, file_path=str(src),
                                   study_or_trial=trial))
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=2)
    study_id = upload_artifact(artifact_store=store, file_path=str(src), study_or_trial=study,
                               mimetype="application/x-model")
    trial0 = study.trials[0]
    metas = get_all_artifact_meta(trial0)
    assert [m.artifact_id for m in metas] == [ids[0]]
    assert (metas[0].filename, metas[0].mimetype) == ("model.json", "application/json")
    # Optuna's format: "artifacts:<id>" -> JSON string of the four fields.
    raw = json.loads(trial0.system_attrs[f"artifacts:{ids[0]}"])
    assert raw == {"artifact_id": ids[0], "filename": "model.json",
                   "mimetype": "application/json", "encoding": None}
    assert [m.mimetype for m in get_all_artifact_meta(study)] == ["application/x-model"]
    assert get_all_artifact_meta(study)[0].artifact_id == study_id
    out = tmp_path / "back.json"
    download_artifact(artifact_store=store, artifact_id=ids[1], file_path=str(out))
    assert out.read_text() == src.read_text()
    with pytest.raises(FileExistsError, match="must not exist yet"):
        download_artifact(artifact_store=store, artifact_id=ids[1], file_path=str(out))
    store.remove(ids[1])
    with pytest.raises(ArtifactNotFound):
        store.open_reader(ids[1])
    with pytest.raises(ArtifactNotFound):
        store.remove(ids[1])


def test_filesystem_store_never_writes_outside_its_directory(tmp_path):
    import io

    store = FileSystemArtifactStore(tmp_path / "store")
    for bad in ("../../x", "../x", str(tmp_path / "x")):
        with pytest.raises(ValueError, match="Invalid artifact_id"):
            store.write(bad, io.BytesIO(b"x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    assert list((tmp_path / "store").iterdir()) == []


def test_frozen_trial_needs_storage_and_bad_owner_is_named(tmp_path):
    study = skipjack.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    src = tmp_path / "f.txt"
    src.write_text("x")
    store = FileSystemArtifactStore(tmp_path / "store")
    with pytest.raises(ValueError, match="'storage' argument of upload_artifact is required"):
        upload_artifact(artifact_store=store, file_path=str(src), study_or_trial=study.trials[0])
    with pytest.raises(FileNotFoundError, match="'file_path' argument of upload_artifact"):
        upload_artifact(artifact_store=store, file_path=str(tmp_path / "nope"),
                        study_or_trial=study)
    with pytest.raises(TypeError, match="must be a Study, Trial or FrozenTrial. Got str"):
        get_all_artifact_meta("study")


def _study_with_artifacts(store, tmp_path, storage=None, study_name=None):
    study = skipjack.create_study(storage=storage, study_name=study_name)
    src = tmp_path / "ckpt.bin"
    src.write_bytes(b"\x00" * 64)

    def objective(trial):
        upload_artifact(artifact_store=store, file_path=str(src), study_or_trial=trial)
        return float(trial.number % 10)  # values 0..9, 0..9: best trials are 0, 10, 1, 11, ...

    study.optimize(objective, n_trials=20)
    return study


def test_gc_keeps_the_best_and_young_artifacts(tmp_path):
    store = FileSystemArtifactStore(tmp_path / "store")
    study = _study_with_artifacts(store, tmp_path)
    ids = {t.number: get_all_artifact_meta(t)[0].artifact_id for t in study.trials}
    later = datetime.datetime.now() + datetime.timedelta(days=8)
    dry = gc_artifacts(study, store, ttl="7d", keep_best=4, dry_run=True, now=later)
    assert sorted(n for n, _ in dry.kept_best) == [0, 1, 10, 11]
    assert len(dry.deleted) == 16 and all(store.open_reader(i).close() is None
                                          for i in ids.values())
    nothing = gc_artifacts(study, store, ttl="7d", keep_best=4)  # all younger than 7 days
    assert nothing.deleted == [] and len(nothing.kept_young) == 16
    done = gc_artifacts(study, store, ttl="7d", keep_best=4, now=later)
    assert sorted(n for n, _ in done.deleted) == sorted(set(range(20)) - {0, 1, 10, 11})
    for number, artifact_id in ids.items():
        if number in (0, 1, 10, 11):
            store.open_reader(artifact_id).close()
        else:
            with pytest.raises(ArtifactNotFound):
                store.open_reader(artifact_id)
    again = gc_artifacts(study, store, ttl="7d", keep_best=4, now=later)
    assert again.deleted == [] and again.missing == []


def test_gc_cli_dry_run_then_delete(tmp_path, capsys):
    try:
        import skipjack.storages._rdb.storage  # noqa: F401
    except ImportError:
        pytest.skip("RDBStorage (skipjack.storages._rdb) is not available yet")
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store_dir = tmp_path / "store"
    _study_with_artifacts(FileSystemArtifactStore(store_dir), tmp_path, storage=url,
                          study_name="gc")
    base = ["artifacts", "gc", "--storage", url, "--study", "gc", "--ttl", "0s",
            "--keep-best", "5", "--artifact-dir", str(store_dir)]
    assert cli_main(base + ["--dry-run"]) == 0
    assert "would delete 15 artifacts; kept 5 of the best" in capsys.readouterr().out
    assert len(list(store_dir.iterdir())) == 20
    assert cli_main(base) == 0
    assert "deleted 15 artifacts" in capsys.readouterr().out
    assert len(list(store_dir.iterdir())) == 5
    assert cli_main(base[:-2] + ["--ttl", "7x", "--artifact-dir", str(store_dir)]) == 2


def test_parse_ttl():
    assert parse_ttl("7d") == datetime.timedelta(days=7)
    assert parse_ttl("90m") == datetime.timedelta(minutes=90)
    assert parse_ttl(30) == datetime.timedelta(seconds=30)
    with pytest.raises(ValueError, match="must look like 7d"):
        parse_ttl("seven days")
