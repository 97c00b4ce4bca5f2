"""The sampling path: folded generator, inverse-CDF draws, chunked workers, bfloat16."""

from __future__ import annotations

import pytest
import torch

from rebalance.core.validation.fidelity import column_scores
from rebalance.gan.activations import SpanActivation
from rebalance.gan.drawing import SAMPLE_CHUNK_CPU
from rebalance.gan.networks import Generator, SamplingGenerator
from rebalance.gan.trainer import pick_sample_dtype
from rebalance.gan.transformer import Span
from tests.support import MIXED_TYPES as TYPES
from tests.support import fit_gan as fit


def trained_looking_generator(n_classes: int) -> Generator:
    """A generator whose BatchNorm statistics and affine terms are far from the defaults, so
    folding them is actually exercised."""
    torch.manual_seed(0)
    generator = Generator(16, n_classes, (32, 24), 20)
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.uniform_(-2, 2)
            module.running_var.uniform_(0.2, 3)
            module.weight.data.uniform_(0.5, 2)
            module.bias.data.uniform_(-1, 1)
    return generator.eval()


@pytest.mark.parametrize("class_id", [0, 2])
def test_sampling_generator_computes_the_trained_function(class_id: int) -> None:
    generator = trained_looking_generator(n_classes=3)
    noise = torch.randn(300, 16)
    condition = torch.zeros(300, 3)
    condition[:, class_id] = 1
    with torch.no_grad():
        expected = generator(noise, condition)  # (B, data_dim)
    folded = SamplingGenerator(generator, class_id, 3, torch.float32)(noise)  # (data_dim, B)
    torch.testing.assert_close(folded.t(), expected, rtol=1e-5, atol=1e-5)


def spans_of(widths: list[int], n_tanh: int) -> list[Span]:
    spans = [Span(i, 1, "tanh") for i in range(n_tanh)]
    start = n_tanh
    for width in widths:
        spans.append(Span(start, width, "softmax"))
        start += width
    return spans


def test_draws_follow_each_span_softmax() -> None:
    widths = [2, 3, 3, 5, 9]  # grouped by width as the transformer lays them out
    activation = SpanActivation(spans_of(widths, n_tanh=2), torch.device("cpu"))
    torch.manual_seed(1)
    per_span = [torch.randn(width) * 2 for width in widths]
    rows = 200_000
    logits = torch.cat([torch.zeros(2), *per_span])[:, None].expand(-1, rows).contiguous()
    scalars, codes = activation.draw(logits, torch.Generator().manual_seed(0))
    assert scalars.shape == (2, rows) and codes.shape == (len(widths), rows)
    for j, (width, span_logits) in enumerate(zip(widths, per_span, strict=True)):
        found = torch.bincount(codes[j], minlength=width).double() / rows
        expected = torch.softmax(span_logits.double(), dim=0)
        assert found.shape == (width,)
        # 200k draws: a binomial standard error below 0.0012, so 0.006 is about 5 of them
        assert (found - expected).abs().max() < 0.006, (j, found, expected)


def test_draws_are_exact_for_extreme_logits() -> None:
    activation = SpanActivation(spans_of([3, 3], n_tanh=0), torch.device("cpu"))
    # span 0: one huge logit; span 1: all far below any other span (no underflow to "code 0")
    logits = torch.tensor([-1e4, 1e4, -1e4, -5e3, -5e3, -4e3])[:, None].expand(-1, 500)
    _, codes = activation.draw(logits.contiguous(), torch.Generator().manual_seed(0))
    assert (codes[0] == 1).all() and (codes[1] == 2).all()


def test_rows_do_not_depend_on_the_number_of_threads() -> None:
    model = fit()
    n = 2 * SAMPLE_CHUNK_CPU + 123  # three chunks
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        serial = model.sample("yes", n)
        torch.set_num_threads(max(threads, 2))
        parallel = model.sample("yes", n)
    finally:
        torch.set_num_threads(threads)
    assert serial.equals(parallel)


def test_bfloat16_sampling_keeps_the_float32_marginals() -> None:
    model = fit(epochs=8)
    rows = {}
    for dtype in (torch.float32, torch.bfloat16):
        model._trainer.sample_dtype = dtype
        rows[dtype] = model.sample("yes", 20_000)
    assert not rows[torch.float32].equals(rows[torch.bfloat16])  # the precision did change
    features = {c: t for c, t in TYPES.items() if c != "label"}
    scores = column_scores(
        rows[torch.float32].drop(columns="label"),
        rows[torch.bfloat16].drop(columns="label"),
        features,
    )
    assert set(scores) == set(features)
    # the same noise in both precisions scores 0.998 or more per column here; two float32
    # samples with different seeds score 0.994-0.997, so 0.99 is below sampling noise
    assert min(scores.values()) > 0.99, scores


CPU_PROBES = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")


def test_sample_dtype_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    for device in (cpu, cuda):
        assert pick_sample_dtype("float32", device) is torch.float32
        assert pick_sample_dtype("bfloat16", device) is torch.bfloat16
    # "auto" on this machine: exactly what its CPU probes say
    native = any(getattr(torch.cpu, probe, lambda: False)() for probe in CPU_PROBES)
    assert pick_sample_dtype("auto", cpu) is (torch.bfloat16 if native else torch.float32)
    # both branches, forced: either probe is enough for bfloat16, neither means float32
    for avx512_bf16, amx in ((False, False), (True, False), (False, True), (True, True)):
        monkeypatch.setattr(torch.cpu, CPU_PROBES[0], lambda v=avx512_bf16: v, raising=False)
        monkeypatch.setattr(torch.cpu, CPU_PROBES[1], lambda v=amx: v, raising=False)
        expected = torch.bfloat16 if avx512_bf16 or amx else torch.float32
        assert pick_sample_dtype("auto", cpu) is expected, (avx512_bf16, amx)
    # a torch without the probes: no native bfloat16
    for probe in CPU_PROBES:
        monkeypatch.delattr(torch.cpu, probe)
    assert pick_sample_dtype("auto", cpu) is torch.float32
    # on a GPU, "auto" follows CUDA's own bf16 check
    for supported in (True, False):
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda v=supported: v)
        expected = torch.bfloat16 if supported else torch.float32
        assert pick_sample_dtype("auto", cuda) is expected
