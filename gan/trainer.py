"""WGAN-GP training with class-balanced batches, early stopping and resumable checkpoints.

The encoded training matrix and the per-class row index live on the device; each batch is a
handful of tensor ops (no per-row Python). All randomness comes from ``config.seed``: a
``torch.Generator`` for noise and sampling, and the global torch seed for dropout, so CPU runs
are reproducible bit for bit and a resumed run continues the exact same stream.
"""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gan.activations import SpanActivation
from gan.config import GanConfig
from gan.networks import Critic, Generator, SamplingGenerator, gradient_penalty
from gan.transformer import Span

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "checkpoint.pt"
SAMPLE_CHUNK_CPU = 4096  # rows per CPU sampling chunk: cache-resident, yet large per operation
SAMPLE_CHUNK_GPU = 65_536


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def pick_sample_dtype(name: str, device: torch.device) -> torch.dtype:
    """The generator's precision when sampling. ``auto``: bfloat16 where the hardware computes
    it natively (a CUDA GPU with bf16, a CPU with AVX512-BF16 or AMX), otherwise float32;
    emulated bfloat16 would be slower than float32."""
    if name != "auto":
        return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type == "cpu":
        # torch.cpu exposes these probes without a public alias; absent ones mean "no"
        probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        if any(getattr(torch.cpu, probe, lambda: False)() for probe in probes):
            return torch.bfloat16
    return torch.float32


@dataclass
class EpochStats:
    epoch: int
    epochs: int
    critic_loss: float
    generator_loss: float
    seconds: float
    score: float | None = None  # fidelity loss on the held-out slice (lower is better)


@dataclass
class History:
    critic_loss: list[float] = field(default_factory=list)
    generator_loss: list[float] = field(default_factory=list)
    eval_epochs: list[int] = field(default_factory=list)
    eval_scores: list[float] = field(default_factory=list)
    stopped_early_at: int | None = None
    best_epoch: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Trainer:
    def __init__(self, config: GanConfig, spans: list[Span], data_dim: int, n_classes: int) -> None:
        self.config = config
        self.device = pick_device(config.device)
        self.n_classes = n_classes
        torch.manual_seed(config.seed)  # weight init, dropout and BatchNorm use the global stream
        self.generator = Generator(
            config.embedding_dim, n_classes, config.generator_dims, data_dim
        ).to(self.device)
        self.critic = Critic(
            data_dim, n_classes, config.critic_dims, config.pac, config.critic_dropout
        ).to(self.device)
        self.activation = SpanActivation(spans, self.device)
        self.sample_dtype = pick_sample_dtype(config.sample_dtype, self.device)
        self.rng = torch.Generator(device=self.device)
        self.rng.manual_seed(config.seed)
        self.history = History()

    # ---- training ----------------------------------------------------------------------------

    def fit(
        self,
        data: torch.Tensor,
        class_ids: torch.Tensor,
        evaluate: Callable[[Trainer], float] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
        fingerprint: str = "",
    ) -> History:
        """data: (N, data_dim) float32 on the device; class_ids: (N,) int64 on the device."""
        cfg = self.config
        opt_g = torch.optim.Adam(
            self.generator.parameters(),
            lr=cfg.generator_lr,
            betas=cfg.betas,
            weight_decay=cfg.weight_decay,
        )
        opt_d = torch.optim.Adam(
            self.critic.parameters(),
            lr=cfg.critic_lr,
            betas=cfg.betas,
            weight_decay=cfg.weight_decay,
        )
        # rows sorted by class, and where each class starts: (N,), (C,), (C,)
        order = torch.argsort(class_ids, stable=True)
        sizes = torch.bincount(class_ids, minlength=self.n_classes)
        starts = torch.cumsum(sizes, 0) - sizes
        present = torch.nonzero(sizes > 0).flatten()  # classes that have rows
        eye = torch.eye(self.n_classes, device=self.device)
        steps = max(len(data) // cfg.batch_size, 1)

        state = self._resume(opt_g, opt_d, fingerprint)
        first_epoch, best, stale = state["epoch"], state["best"], state["stale"]
        use_bf16 = cfg.bf16 and self.device.type == "cuda"

        def batch() -> tuple[torch.Tensor, torch.Tensor]:
            # classes drawn uniformly, so small classes are seen as often as large ones
            pick = torch.randint(
                len(present), (cfg.batch_size,), device=self.device, generator=self.rng
            )
            classes = present[pick]  # (B,)
            offset = (
                torch.rand(cfg.batch_size, device=self.device, generator=self.rng) * sizes[classes]
            ).long()
            rows = order[starts[classes] + offset]  # (B,)
            return data[rows], eye[classes]

        for epoch in range(first_epoch, cfg.epochs):
            self.generator.train()
            self.critic.train()
            began = time.perf_counter()
            loss_d_sum = torch.zeros((), device=self.device)
            loss_g_sum = torch.zeros((), device=self.device)
            for _ in range(steps):
                for _ in range(cfg.critic_steps):
                    real, cond = batch()
                    with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=use_bf16):
                        with torch.no_grad():  # the critic step never backpropagates into G
                            fake = self._fake(cond)
                        loss_d = self.critic(fake, cond).mean() - self.critic(real, cond).mean()
                        penalty = gradient_penalty(self.critic, real, fake, cond, self.rng)
                        total_d = loss_d + cfg.gradient_penalty * penalty
                    opt_d.zero_grad(set_to_none=True)
                    total_d.backward()
                    opt_d.step()
                _, cond = batch()
                with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=use_bf16):
                    loss_g = -self.critic(self._fake(cond), cond).mean()
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                loss_d_sum += loss_d.detach().float()
                loss_g_sum += loss_g.detach().float()
            # one device->host sync per epoch
            self.history.critic_loss.append(float(loss_d_sum) / steps)
            self.history.generator_loss.append(float(loss_g_sum) / steps)
            stats = EpochStats(
                epoch + 1,
                cfg.epochs,
                self.history.critic_loss[-1],
                self.history.generator_loss[-1],
                time.perf_counter() - began,
            )
            if evaluate is not None and cfg.eval_every and (epoch + 1) % cfg.eval_every == 0:
                score = evaluate(self)
                stats.score = score
                self.history.eval_epochs.append(epoch + 1)
                self.history.eval_scores.append(score)
                if best is None or score < best["score"]:
                    best = {
                        "score": score,
                        "epoch": epoch + 1,
                        "generator": _cpu_copy(self.generator),
                    }
                    stale = 0
                else:
                    stale += 1
            if on_epoch is not None:
                on_epoch(stats)
            if (
                cfg.checkpoint_dir
                and cfg.checkpoint_every
                and (epoch + 1) % cfg.checkpoint_every == 0
            ):
                self._save_checkpoint(epoch + 1, opt_g, opt_d, best, stale, fingerprint)
            if best is not None and stale >= cfg.patience:
                self.history.stopped_early_at = epoch + 1
                break
        if best is not None:
            self.generator.load_state_dict(best["generator"])
            self.history.best_epoch = best["epoch"]
        return self.history

    def _fake(self, cond: torch.Tensor) -> torch.Tensor:
        noise = torch.randn(
            cond.shape[0], self.config.embedding_dim, device=self.device, generator=self.rng
        )
        return self.activation.soft(self.generator(noise, cond), self.config.gumbel_tau, self.rng)

    # ---- sampling ----------------------------------------------------------------------------

    def generate(
        self, n: int, class_id: int, rng: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """n rows of one class as tanh scalars (n, n_tanh) and category codes (n, n_spans),
        the input of ``TabularTransformer.decode``.

        Rows are drawn in chunks, each with its own generator seeded from ``rng``, so the
        result does not depend on how chunks are scheduled. On CPU the chunks run on one
        single-threaded worker per intra-op thread: a chunk's activations stay in cache, and
        the many small operations of a chunk run side by side instead of one after another.
        """
        self.generator.eval()
        frozen = SamplingGenerator(self.generator, class_id, self.n_classes, self.sample_dtype)
        on_cpu = self.device.type == "cpu"
        chunk = SAMPLE_CHUNK_CPU if on_cpu else SAMPLE_CHUNK_GPU
        n_chunks = -(-n // chunk)
        seeds = torch.randint(2**62, (n_chunks,), device=self.device, generator=rng).tolist()
        # column-major results: (n_tanh, n) and (n_spans, n)
        scalars = torch.empty(self.activation.n_tanh, n, device=self.device)
        codes = torch.empty(self.activation.n_spans, n, dtype=torch.int64, device=self.device)

        def fill(index: int) -> None:
            begin = index * chunk
            size = min(chunk, n - begin)
            chunk_rng = torch.Generator(device=self.device)
            chunk_rng.manual_seed(seeds[index])
            with torch.no_grad():  # grad mode is per thread
                noise = torch.randn(
                    size, self.config.embedding_dim, device=self.device, generator=chunk_rng
                )
                part_scalars, part_codes = self.activation.draw(frozen(noise), chunk_rng)
                scalars[:, begin : begin + size] = part_scalars
                codes[:, begin : begin + size] = part_codes

        workers = min(torch.get_num_threads(), n_chunks) if on_cpu else 1
        if workers > 1:
            with ThreadPoolExecutor(
                workers, initializer=torch.set_num_threads, initargs=(1,)
            ) as pool:
                list(pool.map(fill, range(n_chunks)))
        else:
            for index in range(n_chunks):
                fill(index)
        return scalars.t(), codes.t()

    # ---- checkpoints -------------------------------------------------------------------------

    def checkpoint_path(self) -> Path | None:
        return (
            Path(self.config.checkpoint_dir) / CHECKPOINT_FILE
            if self.config.checkpoint_dir
            else None
        )

    def _save_checkpoint(
        self,
        epoch: int,
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        best: dict[str, Any] | None,
        stale: int,
        fingerprint: str,
    ) -> None:
        path = self.checkpoint_path()
        assert path is not None  # only called when checkpoint_dir is set (not user input)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "epoch": epoch,
            "fingerprint": fingerprint,
            "config": self.config.to_dict(),
            "generator": self.generator.state_dict(),
            "critic": self.critic.state_dict(),
            "opt_g": opt_g.state_dict(),
            "opt_d": opt_d.state_dict(),
            "best": best,
            "stale": stale,
            "history": self.history.to_dict(),
            "rng": self.rng.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else [],
        }
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        torch.save(payload, tmp)
        os.replace(tmp, path)  # a reader sees the old checkpoint or the new one, never half

    def _resume(
        self, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer, fingerprint: str
    ) -> dict[str, Any]:
        fresh = {"epoch": 0, "best": None, "stale": 0}
        path = self.checkpoint_path()
        if path is None or not path.is_file():
            return fresh
        # weights_only: the loader accepts tensors and plain containers, never arbitrary objects
        saved = torch.load(path, map_location=self.device, weights_only=True)
        same_config = _comparable(saved.get("config", {})) == _comparable(self.config.to_dict())
        if saved.get("fingerprint") != fingerprint or not same_config:
            logger.warning("checkpoint %s is for other data or settings; starting over", path)
            return fresh
        self.generator.load_state_dict(saved["generator"])
        self.critic.load_state_dict(saved["critic"])
        opt_g.load_state_dict(saved["opt_g"])
        opt_d.load_state_dict(saved["opt_d"])
        self.history = History(**saved["history"])
        self.rng.set_state(saved["rng"].cpu())
        torch.set_rng_state(saved["torch_rng"].cpu())
        if saved["cuda_rng"]:
            torch.cuda.set_rng_state_all([s.cpu() for s in saved["cuda_rng"]])
        logger.info("resuming GAN training from epoch %d (%s)", saved["epoch"], path)
        return {"epoch": saved["epoch"], "best": saved["best"], "stale": saved["stale"]}


# Settings that may change between a crash and its retry without invalidating the checkpoint.
RESUMABLE_CHANGES = frozenset({"epochs", "checkpoint_every", "checkpoint_dir", "device"})


def _comparable(config: dict[str, Any]) -> Any:
    kept = {k: v for k, v in config.items() if k not in RESUMABLE_CHANGES}
    return _round_trip(kept)


def _round_trip(value: Any) -> Any:
    """Tuples and lists compare equal after a save/load round trip."""
    if isinstance(value, dict):
        return {k: _round_trip(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_round_trip(v) for v in value]
    return value


def _cpu_copy(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in copy.copy(module.state_dict()).items()}
