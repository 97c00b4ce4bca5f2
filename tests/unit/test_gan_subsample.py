"""The GAN's stratified sample of a table larger than ``max_fit_rows``."""

from __future__ import annotations

import pandas as pd

from rebalance.gan.subsample import class_quotas, stratified_cap


def test_small_classes_stay_whole_and_large_ones_share_the_rest() -> None:
    assert class_quotas({"a": 10, "b": 500, "c": 1000}, 300) == {"a": 10, "b": 145, "c": 145}
    assert class_quotas({"a": 10, "b": 20}, 300) == {"a": 10, "b": 20}
    assert class_quotas({"a": 100, "b": 100}, 101) == {"a": 50, "b": 51}


def test_the_sample_keeps_row_order_and_is_seeded() -> None:
    frame = pd.DataFrame({"x": range(1000), "y": ["big"] * 950 + ["small"] * 50})
    sample = stratified_cap(frame, "y", 200, seed=1)
    assert len(sample) == 200
    assert sample["y"].value_counts().to_dict() == {"big": 150, "small": 50}
    assert sample["x"].is_monotonic_increasing
    pd.testing.assert_frame_equal(sample, stratified_cap(frame, "y", 200, seed=1))
    assert not sample.equals(stratified_cap(frame, "y", 200, seed=2))
    assert stratified_cap(frame, "y", 1000, seed=1) is frame


def test_a_gan_fits_its_capped_sample_and_says_so(tmp_path) -> None:
    from rebalance.gan.model import ConditionalTabularGAN
    from rebalance.gan.sampler import GanOversampler
    from tests.support import MIXED_TYPES, TINY_GAN, gan_frame

    sampler = GanOversampler(seed=0, **{**TINY_GAN, "max_fit_rows": 200})
    sampler.fit(gan_frame(), "label", MIXED_TYPES)
    assert (sampler.model_.fit_rows_, sampler.model_.given_rows_) == (200, 460)
    assert "on a stratified sample of 200 of 460 rows" in sampler.training_summary()
    assert (sampler.sample("rare", 5)["label"] == "rare").all()  # the 3-row class was kept
    loaded = ConditionalTabularGAN.load(sampler.model_.save(tmp_path / "gan"))
    assert (loaded.fit_rows_, loaded.given_rows_) == (200, 460)
