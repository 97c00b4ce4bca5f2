"""Output activations over every span of the encoded row in a few fused operations.

Spans of the same width are gathered into one (B, n_spans, width) tensor, so a table with
dozens of one-hot blocks costs one softmax per distinct width instead of one small kernel per
column.
"""

from __future__ import annotations

import torch

from gan.transformer import Span


class SpanActivation:
    def __init__(self, spans: list[Span], device: torch.device) -> None:
        tanh_columns = [span.start for span in spans if span.activation == "tanh"]
        self.tanh_index = torch.tensor(tanh_columns, dtype=torch.long, device=device)
        by_width: dict[int, list[list[int]]] = {}
        for span in spans:
            if span.activation == "softmax":
                by_width.setdefault(span.width, []).append(
                    list(range(span.start, span.start + span.width))
                )
        # width -> (n_spans, width) column indices
        self.groups = [
            torch.tensor(cols, dtype=torch.long, device=device) for cols in by_width.values()
        ]

    def _gumbel(
        self, shape: torch.Size, like: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor:
        uniform = torch.rand(shape, device=like.device, dtype=like.dtype, generator=generator)
        exponential = (-torch.log(uniform.clamp_min(1e-10))).clamp_min(1e-10)
        return -torch.log(exponential)

    def soft(self, raw: torch.Tensor, tau: float, generator: torch.Generator) -> torch.Tensor:
        """Training output: tanh scalars and Gumbel-softmax one-hots (differentiable)."""
        out = torch.empty_like(raw)
        out[:, self.tanh_index] = torch.tanh(raw[:, self.tanh_index])
        for index in self.groups:
            logits = raw[:, index]  # (B, n_spans, width)
            noisy = (logits + self._gumbel(logits.shape, logits, generator)) / tau
            out[:, index.flatten()] = torch.softmax(noisy, dim=-1).flatten(1)
        return out

    def hard(self, raw: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Sampling output: tanh scalars and one-hots drawn from each span's softmax."""
        out = torch.zeros_like(raw)
        out[:, self.tanh_index] = torch.tanh(raw[:, self.tanh_index])
        for index in self.groups:
            logits = raw[:, index]  # (B, n_spans, width)
            picks = (logits + self._gumbel(logits.shape, logits, generator)).argmax(dim=-1)
            chosen = index[torch.arange(index.shape[0], device=raw.device), picks]  # (B, n_spans)
            out.scatter_(1, chosen, 1.0)
        return out
