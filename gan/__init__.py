"""Conditional tabular GAN (transformer, networks, trainer) behind the sampler seam."""
