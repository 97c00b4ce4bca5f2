"""The conditional tabular GAN: ``fit`` a table with a class column, ``sample(n, cls)``.

Saved models are two files: ``model.safetensors`` (generator weights) and ``model.json``
(config, fitted transformer, classes, columns and dtypes, loss curves). Loading never unpickles
(``gan.model_files`` checks both files first).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from pandas.api.types import pandas_dtype
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rebalance.core.errors import ModelFileError, SamplerError
from rebalance.core.split import stratified_split
from rebalance.core.validation.fidelity import mean_fidelity
from rebalance.gan.batches import packing_for
from rebalance.gan.config import GanConfig
from rebalance.gan.filtered_draws import filtered_rows
from rebalance.gan.model_files import (
    FORMAT,
    STATE_FILE,
    WEIGHTS_FILE,
    atomic_write,
    check_safetensors,
    read_state,
)
from rebalance.gan.rejection import (
    PREFIX,
    Draw,
    OrdinalEncoder,
    RejectionFilters,
    fit_filter,
)
from rebalance.gan.subsample import stratified_cap
from rebalance.gan.trainer import EpochStats, History, Trainer
from rebalance.gan.transformer import TabularTransformer


class ConditionalTabularGAN:
    def __init__(self, config: GanConfig | None = None) -> None:
        self.config = config or GanConfig()

    # ---- fit ---------------------------------------------------------------------------------

    def fit(
        self,
        frame: pd.DataFrame,
        target: str,
        types: Mapping[str, str],
        on_epoch: Callable[[EpochStats], None] | None = None,
    ) -> ConditionalTabularGAN:
        cfg = self.config
        self.target_ = target
        self.columns_ = list(frame.columns)
        self.dtypes_ = {name: str(dtype) for name, dtype in frame.dtypes.items()}
        self.feature_types_ = {name: types[name] for name in frame.columns if name != target}
        labels = frame[target].astype(str)
        self.classes_ = sorted(labels.unique())
        self.class_ranges_ = _class_ranges(frame, labels, self.feature_types_)
        self.given_rows_ = len(frame)
        frame = stratified_cap(frame, target, cfg.max_fit_rows, cfg.seed)
        self.fit_rows_ = len(frame)
        train, held_out = frame, None
        if cfg.validation_fraction > 0 and len(frame) >= 50:
            train, held_out = stratified_split(frame, target, cfg.validation_fraction, cfg.seed)
        features = list(self.feature_types_)
        self.transformer_ = TabularTransformer(cfg).fit(
            train[features], self.feature_types_, seed=cfg.seed
        )
        pac = packing_for(len(train), cfg.batch_size, cfg.pac, cfg.min_packs)
        trainer = Trainer(
            cfg, self.transformer_.spans_, self.transformer_.width_, len(self.classes_), pac
        )
        matrix = self.transformer_.transform(train[features], seed=cfg.seed)  # (N, width)
        class_index = {label: i for i, label in enumerate(self.classes_)}
        ids = train[target].astype(str).map(class_index).to_numpy(np.int64, copy=True)
        data = torch.from_numpy(matrix).to(trainer.device)
        class_ids = torch.from_numpy(ids).to(trainer.device)
        evaluate = None if held_out is None or held_out.empty else self._evaluator(held_out)
        self._trainer = trainer
        self.history_: History = trainer.fit(
            data,
            class_ids,
            evaluate=evaluate,
            on_epoch=on_epoch,
            fingerprint=_fingerprint(matrix, ids, self.transformer_.to_dict()),
        )
        self.history_.pac = trainer.pac
        self.rejection_ = self._fit_rejection(frame) if cfg.rejection else None
        return self

    def _fit_rejection(self, frame: pd.DataFrame) -> RejectionFilters:
        """Per class, a real-vs-generated classifier on all the rows fit was given (the gate
        judges synthetic rows against real rows the GAN never saw)."""
        features = list(self.feature_types_)
        encoder = OrdinalEncoder.fit(frame[features], self.feature_types_)
        labels = frame[self.target_].astype(str).to_numpy()
        rng = torch.Generator(device=self._trainer.device)
        rng.manual_seed(self.config.seed + 2)  # + 1 is the fidelity check's stream
        filters = {}
        for label in self.classes_:
            real = encoder.transform(frame.loc[labels == label, features])  # (n, features)
            others = encoder.transform(frame.loc[labels != label, features])
            draw = self._drawer(label, rng, self.config.seed + 2)
            fitted = fit_filter(
                real,
                draw,
                encoder.transform,
                self.config.rejection_quantile,
                self.config.seed,
                others,
                self.config.class_consistency,
                self.config.class_consistency_mode,
            )
            if fitted is not None:
                filters[label] = fitted
        return RejectionFilters(encoder, filters)

    def _drawer(self, key: str, rng: torch.Generator, seed: int) -> Draw:
        """Decoded feature rows of class ``key``; each round decodes with its own seed."""
        class_id = self.classes_.index(key)

        def draw(n: int, round_: int) -> pd.DataFrame:
            scalars, codes = self._trainer.generate(n, class_id, rng)
            # Modes are shared by all classes; keep each class's numbers in its own real range.
            return self.transformer_.decode(
                scalars.cpu().numpy(),
                codes.cpu().numpy(),
                seed=seed + round_,
                bounds=self.class_ranges_.get(key),
            )

        return draw

    def _evaluator(self, held_out: pd.DataFrame) -> Callable[[Trainer], float]:
        """1 - mean KS/TV complement between held-out real rows and as many synthetic rows per
        class (capped at ``eval_rows``): a cheap fidelity loss for early stopping."""
        counts = held_out[self.target_].astype(str).value_counts()
        scale = min(1.0, self.config.eval_rows / max(len(held_out), 1))
        wanted = {label: max(1, round(n * scale)) for label, n in counts.items()}
        real = held_out.drop(columns=self.target_)

        def evaluate(trainer: Trainer) -> float:
            rng = torch.Generator(device=trainer.device)
            rng.manual_seed(self.config.seed + 1)
            draws = [
                trainer.generate(n, self.classes_.index(label), rng) for label, n in wanted.items()
            ]
            synthetic = self.transformer_.decode(
                torch.cat([s for s, _ in draws]).cpu().numpy(),
                torch.cat([c for _, c in draws]).cpu().numpy(),
                seed=self.config.seed,
            )
            return 1.0 - mean_fidelity(real, synthetic, self.feature_types_)

        return evaluate

    # ---- sample ------------------------------------------------------------------------------

    def sample(self, label: Any, n: int) -> pd.DataFrame:
        """Exactly ``n`` rows, every one of class ``label``, with the fitted columns and dtypes."""
        key = str(label)
        if not hasattr(self, "transformer_"):
            raise SamplerError("the GAN must be fitted or loaded before sample()")
        if key not in self.classes_:
            raise SamplerError(f"expected a class seen in fit ({self.classes_}), found {key!r}")
        seed = zlib.crc32(f"{self.config.seed}:{key}".encode())
        rng = torch.Generator(device=self._trainer.device)
        rng.manual_seed(seed)
        draw = self._drawer(key, rng, seed)
        rejection: RejectionFilters | None = getattr(self, "rejection_", None)
        filt = rejection.classes.get(key) if rejection and self.config.rejection else None
        if rejection is None or filt is None:
            frame = draw(n, 0)
        else:
            frame = filtered_rows(
                filt, draw, rejection.encoder.transform, n, rng, self.config.rejection_max_draws
            )
        frame[self.target_] = key
        frame = frame[self.columns_]
        target_dtype = self.dtypes_[self.target_]
        if target_dtype.startswith(("int", "Int", "float", "bool")):
            frame[self.target_] = (
                pd.Series([key] * n, dtype=object)
                .astype("float64")
                .astype(pandas_dtype(target_dtype))
            )
        return frame

    # ---- persistence -------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        weights = {
            k: v.detach().cpu().contiguous()
            for k, v in self._trainer.generator.state_dict().items()
        }
        state = {
            "format": FORMAT,
            "config": self.config.to_dict(),
            "transformer": self.transformer_.to_dict(),
            "target": self.target_,
            "columns": self.columns_,
            "dtypes": self.dtypes_,
            "feature_types": self.feature_types_,
            "classes": self.classes_,
            "class_ranges": self.class_ranges_,
            "fit_rows": [self.fit_rows_, self.given_rows_],  # rows fitted on, of rows given
            "history": self.history_.to_dict(),
            "rejection": self.rejection_.state() if self.rejection_ else None,
        }
        if self.rejection_:
            weights.update(self.rejection_.tensors())
        atomic_write(folder / WEIGHTS_FILE, lambda tmp: save_file(weights, str(tmp)))
        atomic_write(
            folder / STATE_FILE, lambda tmp: tmp.write_text(json.dumps(state), encoding="utf-8")
        )
        return folder

    @classmethod
    def load(cls, folder: str | Path, device: str | None = None) -> ConditionalTabularGAN:
        folder = Path(folder)
        state = read_state(folder / STATE_FILE)
        weights_path = folder / WEIGHTS_FILE
        check_safetensors(weights_path)
        config = GanConfig.from_params(
            {**state["config"], **({"device": device} if device else {})}
        )
        model = cls(config)
        model.target_ = state["target"]
        model.columns_ = state["columns"]
        model.dtypes_ = state["dtypes"]
        model.feature_types_ = state["feature_types"]
        model.classes_ = state["classes"]
        model.class_ranges_ = state.get("class_ranges", {})
        model.fit_rows_, model.given_rows_ = state.get("fit_rows", [0, 0])
        model.history_ = History(**state["history"])
        model.transformer_ = TabularTransformer.from_dict(state["transformer"])
        model.rejection_ = None
        trainer = Trainer(
            config,
            model.transformer_.spans_,
            model.transformer_.width_,
            len(model.classes_),
            model.history_.pac,  # the critic as trained (only the generator's weights are saved)
        )
        try:
            weights = load_file(str(weights_path), device=str(trainer.device))
            filters = {k: v for k, v in weights.items() if k.startswith(PREFIX)}
            trainer.generator.load_state_dict(
                {k: v for k, v in weights.items() if k not in filters}
            )
            if state.get("rejection"):
                model.rejection_ = RejectionFilters.from_saved(state["rejection"], filters)
        except (SafetensorError, RuntimeError) as exc:
            raise ModelFileError(
                f"{weights_path}: expected generator weights matching model.json ({exc})"
            ) from None
        model._trainer = trainer
        return model


def _class_ranges(
    frame: pd.DataFrame, labels: pd.Series, types: Mapping[str, str]
) -> dict[str, dict[str, tuple[float, float]]]:
    """Per class, the real [min, max] of each continuous or integer column."""
    numeric = [c for c, kind in types.items() if kind in ("continuous", "integer")]
    if not numeric:
        return {}
    grouped = frame[numeric].astype("float64").groupby(labels.to_numpy())
    low, high = grouped.min(), grouped.max()  # (classes, numeric columns)
    ranges: dict[str, dict[str, tuple[float, float]]] = {}
    for i, label in enumerate(low.index):
        lows, highs = low.to_numpy()[i], high.to_numpy()[i]
        ranges[str(label)] = {
            c: (float(lows[j]), float(highs[j]))
            for j, c in enumerate(numeric)
            if np.isfinite(lows[j])
        }
    return ranges


def _fingerprint(matrix: np.ndarray, ids: np.ndarray, transformer: dict[str, Any]) -> str:
    """Identifies the training data a checkpoint belongs to."""
    digest = hashlib.sha256(matrix.tobytes())
    digest.update(ids.tobytes())
    digest.update(json.dumps(transformer, sort_keys=True).encode())
    return digest.hexdigest()
