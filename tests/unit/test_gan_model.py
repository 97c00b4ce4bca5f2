from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rebalance.core.errors import GanConfigError, ModelFileError
from rebalance.gan.config import GanConfig
from rebalance.gan.model import ConditionalTabularGAN
from rebalance.gan.trainer import EpochStats
from tests.support import MIXED_TYPES as TYPES
from tests.support import TINY_GAN as TINY
from tests.support import fit_gan as fit
from tests.support import gan_frame as frame


def weights(model: ConditionalTabularGAN) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model._trainer.generator.state_dict().items()}


def test_sample_returns_exactly_n_rows_of_the_asked_class() -> None:
    model = fit()
    data = frame()
    for label, n in (("yes", 250), ("rare", 37), ("no", 1)):
        rows = model.sample(label, n)
        assert len(rows) == n and (rows["label"] == label).all()
        assert list(rows.columns) == list(data.columns)
        assert rows.dtypes.to_dict() == data.dtypes.to_dict()
        assert rows["age"].between(data["age"].min(), data["age"].max()).all()


def test_cpu_training_is_reproducible_bit_for_bit() -> None:
    one, two, other = fit(seed=3), fit(seed=3), fit(seed=4)
    for key, value in weights(one).items():
        assert torch.equal(value, weights(two)[key])
    pd.testing.assert_frame_equal(one.sample("yes", 300), two.sample("yes", 300))
    assert one.history_.critic_loss == two.history_.critic_loss
    assert not one.sample("yes", 300).equals(other.sample("yes", 300))


def test_min_packs_gives_a_small_tables_critic_more_samples_of_fewer_rows(
    tmp_path: Path,
) -> None:
    # 33 rows: 15 yes, 15 no, the 3 rare; batches of 33 rows in packs of 3 (a batch rounded to
    # the configured pac, 40 rows, would not split into packs of 3)
    small = frame().groupby("label").head(15)
    kept, packed = (
        ConditionalTabularGAN(GanConfig(**{**TINY, "min_packs": packs})).fit(small, "label", TYPES)
        for packs in (0, 10)
    )
    assert kept.history_.pac == kept._trainer.critic.pac == 10  # the default: off
    assert packed.history_.pac == packed._trainer.critic.pac == 3  # 33 // 10 rows per sample
    assert len(packed.sample("yes", 20)) == 20
    loaded = ConditionalTabularGAN.load(packed.save(tmp_path / "gan"))
    assert loaded.history_.pac == loaded._trainer.critic.pac == 3  # recorded with the model


def test_the_training_summary_names_a_reduced_packing() -> None:
    from rebalance.gan.sampler import GanOversampler

    small = frame().groupby("label").head(12)  # 27 rows: packs of 2
    summaries = []
    for packs in (0, 10):
        sampler = GanOversampler(seed=0, **{**TINY, "min_packs": packs})
        sampler.fit(small, "label", TYPES)
        summaries.append(sampler.training_summary() or "")
    assert "critic sample" not in summaries[0]
    assert summaries[1].endswith("; 2 row(s) per critic sample (pac 10, min_packs 10)")


def test_early_stopping_keeps_the_best_checked_generator() -> None:
    model = fit(epochs=12, eval_every=1, patience=2)
    history = model.history_
    assert history.eval_epochs and len(history.eval_scores) == len(history.eval_epochs)
    best = history.eval_epochs[int(np.argmin(history.eval_scores))]
    assert history.best_epoch == best
    if history.stopped_early_at is not None:
        assert history.stopped_early_at - best == 2 * 1  # patience checks after the best


@pytest.mark.parametrize("classifier_loss", [0.0, 1.0])
def test_a_crashed_training_resumes_from_its_checkpoint(
    tmp_path: Path, classifier_loss: float
) -> None:
    settings = {
        "epochs": 6,
        "checkpoint_every": 2,
        "eval_every": 0,
        "classifier_loss": classifier_loss,
    }
    reference = fit(**settings, checkpoint_dir=str(tmp_path / "ref"))

    class Crash(Exception):
        pass

    def crash_at_epoch_5(stats: EpochStats) -> None:
        if stats.epoch == 5:
            raise Crash

    config = GanConfig(**{**TINY, **settings, "checkpoint_dir": str(tmp_path / "run")})
    with pytest.raises(Crash):
        ConditionalTabularGAN(config).fit(frame(), "label", TYPES, on_epoch=crash_at_epoch_5)
    saved = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert saved["epoch"] == 4

    epochs_seen: list[int] = []
    resumed = ConditionalTabularGAN(config).fit(
        frame(), "label", TYPES, on_epoch=lambda stats: epochs_seen.append(stats.epoch)
    )
    assert epochs_seen == [5, 6]  # it continued at the saved epoch, not from scratch
    for key, value in weights(reference).items():
        assert torch.equal(value, weights(resumed)[key]), key
    assert resumed.history_.critic_loss == reference.history_.critic_loss


def test_checkpoints_are_due_by_epochs_and_at_most_one_per_min_seconds(tmp_path: Path) -> None:
    settings = {"epochs": 4, "checkpoint_every": 1, "eval_every": 0}
    often = fit(**settings, checkpoint_dir=str(tmp_path / "often"))
    saved = torch.load(tmp_path / "often" / "checkpoint.pt", weights_only=True)
    assert saved["epoch"] == 4
    rarely = fit(**settings, checkpoint_dir=str(tmp_path / "rare"), checkpoint_min_seconds=3600)
    assert not (tmp_path / "rare" / "checkpoint.pt").exists()  # 4 epochs in well under an hour
    for key, value in weights(often).items():  # when saves happen never changes the training
        assert torch.equal(value, weights(rarely)[key]), key


def test_the_auxiliary_classifier_loss_trains_a_classifier_and_changes_the_generator() -> None:
    plain, guided = fit(seed=3, epochs=20), fit(seed=3, epochs=20, classifier_loss=1.0)
    assert plain._trainer.auxiliary is None
    auxiliary = guided._trainer.auxiliary
    assert auxiliary is not None
    changed = [k for k, v in weights(plain).items() if not torch.equal(v, weights(guided)[k])]
    assert changed  # the generator's updates include the classification loss
    # the classifier learned the classes of the real rows (income is higher for "yes")
    model = guided._trainer
    data = torch.as_tensor(
        guided.transformer_.transform(frame().drop(columns="label"), seed=0), dtype=torch.float32
    )
    labels = frame()["label"].map({c: i for i, c in enumerate(guided.classes_)}).to_numpy()
    auxiliary.classifier.eval()
    with torch.no_grad():
        logits = auxiliary.classifier(data.to(model.device))  # (rows, classes)
    predicted_yes = torch.softmax(logits, dim=1)[:, guided.classes_.index("yes")].cpu().numpy()
    yes = guided.classes_.index("yes")
    assert predicted_yes[labels == yes].mean() > predicted_yes[labels != yes].mean() + 0.1


def test_a_checkpoint_for_other_data_is_ignored(tmp_path: Path) -> None:
    settings = {
        "epochs": 2,
        "checkpoint_every": 2,
        "eval_every": 0,
        "checkpoint_dir": str(tmp_path),
    }
    fit(**settings)
    seen: list[int] = []
    other = frame().assign(income=lambda f: f["income"] + 1.0)
    ConditionalTabularGAN(GanConfig(**{**TINY, **settings})).fit(
        other, "label", TYPES, on_epoch=lambda s: seen.append(s.epoch)
    )
    assert seen == [1, 2]


def test_saved_model_samples_identically_in_a_fresh_process(tmp_path: Path) -> None:
    model = fit()
    model.save(tmp_path / "model")
    expected = model.sample("yes", 50)
    script = (
        "import sys; from rebalance.gan.model import ConditionalTabularGAN\n"
        "m = ConditionalTabularGAN.load(sys.argv[1])\n"
        "m.sample('yes', 50).to_json(sys.argv[2], orient='split', date_format='iso')\n"
    )
    out = tmp_path / "rows.json"
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "model"), str(out)],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = pd.read_json(out, orient="split")
    assert loaded["label"].eq("yes").all() and len(loaded) == 50
    np.testing.assert_allclose(loaded["income"], expected["income"])
    assert loaded["colour"].fillna("-").tolist() == expected["colour"].fillna("-").tolist()
    state = json.loads((tmp_path / "model" / "model.json").read_text())
    assert state["classes"] == ["no", "rare", "yes"] and "critic_loss" in state["history"]


@pytest.mark.parametrize("max_modes", [10, 1])  # 1: every mode block is one wide, left out
def test_a_loaded_model_has_the_same_transformer_and_samples_the_same_rows(
    tmp_path: Path, max_modes: int
) -> None:
    model = fit(max_modes=max_modes)
    constant = [s for spans in model.transformer_.column_spans_ for s in spans if not s.width]
    assert len(constant) == (3 if max_modes == 1 else 0)  # income's, age's, score's modes
    loaded = ConditionalTabularGAN.load(model.save(tmp_path / "model"))
    assert loaded.transformer_.columns_ == model.transformer_.columns_  # equal records
    assert loaded.transformer_.spans_ == model.transformer_.spans_
    data = frame().drop(columns="label")
    np.testing.assert_array_equal(
        loaded.transformer_.transform(data, seed=1), model.transformer_.transform(data, seed=1)
    )
    for label, n in (("yes", 300), ("rare", 40)):
        pd.testing.assert_frame_equal(loaded.sample(label, n), model.sample(label, n))


def test_a_model_file_of_another_format_is_refused(tmp_path: Path) -> None:
    folder = fit(epochs=1).save(tmp_path / "model")
    state = json.loads((folder / "model.json").read_text())
    assert state["format"] == "rebalance-ctgan/1"
    assert isinstance(state["transformer"]["columns"][0], dict)  # plain dicts in the file
    (folder / "model.json").write_text(json.dumps({**state, "format": "rebalance-ctgan/0"}))
    with pytest.raises(
        ModelFileError, match="expected model format 'rebalance-ctgan/1', found 'rebalance-ctgan/0'"
    ):
        ConditionalTabularGAN.load(folder)


def test_loading_a_pickle_payload_is_refused(tmp_path: Path) -> None:
    model = fit(epochs=1)
    folder = model.save(tmp_path / "model")
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # what an attacker's pickle would run on load
            return (Path.touch, (marker,))

    import pickle

    (folder / "model.safetensors").write_bytes(pickle.dumps({"w": Payload()}))
    with pytest.raises(ModelFileError, match="pickle payload"):
        ConditionalTabularGAN.load(folder)
    torch.save({"w": torch.zeros(2)}, folder / "model.safetensors")  # torch's zip pickle
    with pytest.raises(ModelFileError, match="pickle payload"):
        ConditionalTabularGAN.load(folder)
    assert not marker.exists()


def test_bad_options_are_named() -> None:
    with pytest.raises(GanConfigError, match="multiple of pac"):
        GanConfig(batch_size=105, pac=10)
    with pytest.raises(GanConfigError, match="unknown GAN option"):
        GanConfig.from_params({"epoch": 3})
    with pytest.raises(GanConfigError, match="sample_dtype"):
        GanConfig(sample_dtype="float16")


def test_a_resumed_fit_says_so_in_its_progress_and_summary(tmp_path: Path) -> None:
    from rebalance.core.progress import resumed_line
    from rebalance.core.samplers.base import TrainingProgress
    from rebalance.gan.sampler import GanOversampler
    from tests.support import mixed_frame

    settings = {
        "epochs": 4, "checkpoint_every": 2, "eval_every": 0, "batch_size": 50, "pac": 10,
        "generator_dims": (32,), "critic_dims": (32,), "embedding_dim": 16, "rejection": False,
        "checkpoint_min_seconds": 0.0,
    }  # fmt: skip

    def crash(progress: TrainingProgress) -> None:
        if progress.epoch == 3:  # after the checkpoint of epoch 2
            raise MemoryError("out of memory")

    with pytest.raises(MemoryError):
        GanOversampler(**settings).fit(
            mixed_frame(), "label", TYPES, work_dir=str(tmp_path), progress=[crash]
        )
    heard: list[TrainingProgress] = []
    retried = GanOversampler(**settings)  # the task's retry: same data, same settings
    retried.fit(mixed_frame(), "label", TYPES, work_dir=str(tmp_path), progress=[heard.append])
    assert [p.epoch for p in heard] == [3, 4]
    assert resumed_line(heard[0]) == (
        "training resumed from its checkpoint: epoch 2 of 4 was done, so it goes on from there"
    )
    assert resumed_line(TrainingProgress(epoch=1, epochs=4)) is None
    summary = retried.training_summary() or ""
    assert summary.startswith("GAN trained 4 epoch(s) (resumed from the checkpoint after epoch 2)")


def test_a_resumed_fit_logs_one_line_in_the_run_log(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging
    import uuid

    from rebalance.core.progress import resumed_line
    from rebalance.core.samplers.base import TrainingProgress
    from rebalance.tasks import progress as task_progress

    lines: list[str] = []
    logger = logging.getLogger("fit-sampler-run")  # stands in for the task run's logger
    monkeypatch.setattr(logger, "info", lambda message, *args: lines.append(message % args))
    monkeypatch.setattr(task_progress, "get_run_logger", lambda: logger)
    monkeypatch.setattr(task_progress, "create_progress_artifact", lambda *a, **k: uuid.uuid4())
    monkeypatch.setattr(task_progress, "update_progress_artifact", lambda *a, **k: None)
    epochs = [TrainingProgress(epoch=e, epochs=4, resumed_from=2) for e in (3, 4)]
    listener = task_progress.PrefectProgress("toy-training")
    for progress in epochs:
        listener(progress)
    task_progress.PrefectProgress("toy-training")(TrainingProgress(epoch=1, epochs=4))
    assert lines == [resumed_line(epochs[0])]  # once, and only for the resumed fit
