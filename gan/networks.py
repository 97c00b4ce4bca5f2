"""Generator, critic and gradient penalty of a conditional WGAN-GP for tables.

Both networks take the class as a one-hot input: the generator never has to *produce* the class,
so every sampled row belongs to the class it was asked for.
"""

from __future__ import annotations

import torch
from torch import nn


class Residual(nn.Module):
    """Linear -> BatchNorm -> ReLU, concatenated to its input (CTGAN's generator block)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, in_dim) -> (B, in_dim + out_dim)
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    def __init__(
        self, noise_dim: int, n_classes: int, hidden: tuple[int, ...], data_dim: int
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = noise_dim + n_classes
        for size in hidden:
            layers.append(Residual(width, size))
            width += size
        layers.append(nn.Linear(width, data_dim))
        self.body = nn.Sequential(*layers)

    def forward(self, noise: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        # noise: (B, noise_dim), condition: (B, n_classes) -> raw logits (B, data_dim)
        return self.body(torch.cat([noise, condition], dim=1))


class Critic(nn.Module):
    """Scores packs of ``pac`` rows (PacGAN) so that mode collapse is visible to it."""

    def __init__(
        self, data_dim: int, n_classes: int, hidden: tuple[int, ...], pac: int, dropout: float
    ) -> None:
        super().__init__()
        self.pac = pac
        self.body = leaky_mlp((data_dim + n_classes) * pac, hidden, dropout, 1)

    def forward(self, rows: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        # rows: (B, data_dim), condition: (B, n_classes) -> scores (B // pac, 1)
        joined = torch.cat([rows, condition], dim=1)
        return self.body(joined.reshape(-1, joined.shape[1] * self.pac))


def leaky_mlp(in_dim: int, hidden: tuple[int, ...], dropout: float, out_dim: int) -> nn.Sequential:
    """Linear -> LeakyReLU(0.2) -> Dropout per hidden size, then a linear output layer."""
    layers: list[nn.Module] = []
    width = in_dim
    for size in hidden:
        layers += [nn.Linear(width, size), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


def gradient_penalty(
    critic: Critic,
    real: torch.Tensor,
    fake: torch.Tensor,
    condition: torch.Tensor,
    generator: torch.Generator,
) -> torch.Tensor:
    """WGAN-GP penalty on pack-wise interpolations of real and fake rows."""
    pac = critic.pac
    # one mixing weight per pack, shared by its rows: (B // pac, 1, 1) -> (B, 1)
    alpha = torch.rand(real.shape[0] // pac, 1, 1, device=real.device, generator=generator)
    alpha = alpha.expand(-1, pac, 1).reshape(-1, 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(mixed, condition)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    # grads: (B, data_dim) -> per-pack norm (B // pac,)
    norms = grads.reshape(-1, pac * grads.shape[1]).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


class SamplingGenerator:
    """A trained generator specialised for drawing rows of one class.

    The same function as ``Generator.eval()`` up to rounding, with fewer operations: BatchNorm
    (its running statistics) is folded into each linear layer, and the class one-hot, always
    the last ``n_classes`` inputs of every layer (each residual block appends its input), is
    folded into the biases. Weights are detached copies in ``dtype``; bfloat16 halves the cost
    of the matrix products on CPUs and GPUs that support it natively.
    """

    def __init__(
        self, generator: Generator, class_id: int, n_classes: int, dtype: torch.dtype
    ) -> None:
        self.layers: list[tuple[torch.Tensor, torch.Tensor]] = []  # (out, in) weights, biases
        with torch.no_grad():
            for block in generator.body:
                if isinstance(block, Residual):
                    bn = block.bn
                    mean, var = bn.running_mean, bn.running_var
                    if mean is None or var is None:
                        raise TypeError("expected BatchNorm layers that track running statistics")
                    scale = bn.weight / torch.sqrt(var + bn.eps)  # (out,)
                    weight = block.fc.weight * scale[:, None]
                    bias = (block.fc.bias - mean) * scale + bn.bias
                elif isinstance(block, nn.Linear):
                    weight, bias = block.weight, block.bias
                else:
                    raise TypeError(f"unexpected generator layer {type(block).__name__}")
                n_inputs = weight.shape[1] - n_classes
                bias = bias + weight[:, n_inputs + class_id]
                self.layers.append(
                    (weight[:, :n_inputs].to(dtype).contiguous(), bias.to(dtype).contiguous())
                )
        self.dtype = dtype

    def __call__(self, noise: torch.Tensor) -> torch.Tensor:
        # noise: (B, noise_dim) -> raw logits by output column (data_dim, B), in self.dtype;
        # column-major so that each output span is a block of contiguous rows
        x = noise.to(self.dtype)
        for weight, bias in self.layers[:-1]:
            x = torch.cat([torch.relu_(torch.addmm(bias, x, weight.t())), x], dim=1)
        weight, bias = self.layers[-1]
        return torch.addmm(bias[:, None], weight, x.t())
