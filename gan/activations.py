"""Output activations over every span of the encoded row in a few fused operations.

The transformer lays the row out as all tanh scalars first, then the one-hot blocks grouped
by width (see ``TabularTransformer._layout``). Each group is then one contiguous slice, viewed
as (B, n_spans, width): a table with dozens of categorical columns costs one softmax per
distinct width and a single Gumbel draw, with no gathers or scatters to backpropagate through.
"""

from __future__ import annotations

import torch

from rebalance.gan.transformer import Span


class SpanActivation:
    def __init__(self, spans: list[Span], device: torch.device) -> None:
        self.n_tanh = sum(span.activation == "tanh" for span in spans)
        self.groups: list[tuple[int, int]] = []  # (n_spans, width), in row order
        position = self.n_tanh
        for span in spans[self.n_tanh :]:
            if span.activation != "softmax" or span.start != position:
                raise ValueError("expected tanh spans first, then contiguous softmax spans")
            if self.groups and self.groups[-1][1] == span.width:
                self.groups[-1] = (self.groups[-1][0] + 1, span.width)
            else:
                self.groups.append((1, span.width))
            position += span.width
        if spans[: self.n_tanh] and any(s.activation != "tanh" for s in spans[: self.n_tanh]):
            raise ValueError("expected all tanh spans before the softmax spans")
        self.n_spans = sum(count for count, _ in self.groups)
        # lower-triangular ones: a matrix product gives every span's running sum at once
        self._lower = {
            width: torch.ones(width, width, device=device).tril_() for _, width in self.groups
        }

    @staticmethod
    def _gumbel(like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        uniform = torch.rand(like.shape, device=like.device, dtype=like.dtype, generator=generator)
        return uniform.clamp_(1e-10, 1.0).log_().neg_().log_().neg_()  # -log(-log(u))

    def _blocks(self, logits: torch.Tensor) -> list[torch.Tensor]:
        """Views of the one-hot region, one (B, n_spans, width) tensor per group."""
        out, offset = [], 0
        for count, width in self.groups:
            out.append(logits[:, offset : offset + count * width].reshape(-1, count, width))
            offset += count * width
        return out

    def soft(self, raw: torch.Tensor, tau: float, generator: torch.Generator) -> torch.Tensor:
        """Training output: tanh scalars and Gumbel-softmax one-hots (differentiable)."""
        logits = raw[:, self.n_tanh :]
        noisy = (logits + self._gumbel(logits, generator)) / tau  # (B, one-hot width)
        parts = [torch.tanh(raw[:, : self.n_tanh])]
        parts += [torch.softmax(block, dim=-1).flatten(1) for block in self._blocks(noisy)]
        return torch.cat(parts, dim=1)

    def draw(
        self, logits: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sampling output without one-hot rows, column-major: logits (data_dim, B) give the
        tanh scalars (n_tanh, B) and one category code per softmax span (n_spans, B), each
        drawn from its span's softmax by inverse CDF.

        One uniform per span rather than Gumbel noise per logit: a tenth of the random numbers.
        Column-major blocks keep every reduction over a short span vectorized across rows.
        """
        rows = logits.shape[1]
        scalars = torch.tanh(logits[: self.n_tanh].float())
        uniform = torch.rand(self.n_spans, 1, rows, device=logits.device, generator=generator)
        codes = torch.empty(self.n_spans, rows, dtype=torch.int64, device=logits.device)
        offset = self.n_tanh
        first = 0
        for count, width in self.groups:
            # (count, width, B): a float32 copy of this group, exponentiated safely per span
            block = logits[offset : offset + count * width].to(torch.float32, copy=True)
            block = block.view(count, width, rows)
            weights = block.sub_(block.amax(dim=1, keepdim=True)).exp_()
            cdf = torch.matmul(self._lower[width], weights)  # running sums over each span
            threshold = uniform[first : first + count] * cdf[:, -1:]  # (count, 1, B)
            torch.sum(cdf < threshold, dim=1, out=codes[first : first + count])
            codes[first : first + count].clamp_(max=width - 1)
            offset += count * width
            first += count
        return scalars, codes
