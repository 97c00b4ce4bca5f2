"""Output activations over every span of the encoded row in a few fused operations.

Spans of the same width are gathered into one (B, n_spans, width) tensor, so a table with
dozens of one-hot blocks costs one softmax per distinct width, not one per column; the Gumbel
noise for all spans is drawn in a single call.
"""

from __future__ import annotations

import torch

from gan.transformer import Span


class SpanActivation:
    def __init__(self, spans: list[Span], device: torch.device) -> None:
        self.tanh_index = torch.tensor(
            [span.start for span in spans if span.activation == "tanh"],
            dtype=torch.long,
            device=device,
        )
        by_width: dict[int, list[list[int]]] = {}
        for span in spans:
            if span.activation == "softmax":
                by_width.setdefault(span.width, []).append(
                    list(range(span.start, span.start + span.width))
                )
        # one (n_spans, width) index of output columns per distinct width
        self.groups = [
            torch.tensor(cols, dtype=torch.long, device=device) for cols in by_width.values()
        ]

    @staticmethod
    def _gumbel(like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        uniform = torch.rand(like.shape, device=like.device, dtype=like.dtype, generator=generator)
        return uniform.clamp_(1e-10, 1.0).log_().neg_().log_().neg_()  # -log(-log(u))

    def soft(self, raw: torch.Tensor, tau: float, generator: torch.Generator) -> torch.Tensor:
        """Training output: tanh scalars and Gumbel-softmax one-hots (differentiable)."""
        out = torch.empty_like(raw)
        out[:, self.tanh_index] = torch.tanh(raw[:, self.tanh_index])
        noisy = (raw + self._gumbel(raw, generator)) / tau  # (B, data_dim)
        for index in self.groups:
            out[:, index.flatten()] = torch.softmax(noisy[:, index], dim=-1).flatten(1)
        return out

    def hard(self, raw: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Sampling output: tanh scalars and one-hots drawn from each span's softmax."""
        out = torch.zeros_like(raw)
        out[:, self.tanh_index] = torch.tanh(raw[:, self.tanh_index])
        noisy = raw + self._gumbel(raw, generator)
        for index in self.groups:
            picks = noisy[:, index].argmax(dim=-1)  # (B, n_spans)
            rows = torch.arange(index.shape[0], device=raw.device)
            out.scatter_(1, index[rows, picks], 1.0)
        return out
