from __future__ import annotations

import dataclasses

import pytest
from pydantic import TypeAdapter, ValidationError

from rebalance.core.errors import GanConfigError
from rebalance.core.method_options import (
    GanOptions,
    MethodOptions,
    RandomOptions,
    SmoteOptions,
)
from rebalance.core.samplers import make_oversampler
from rebalance.gan.config import GanConfig


def test_the_method_tag_picks_the_model() -> None:
    adapter: TypeAdapter[RandomOptions | SmoteOptions | GanOptions] = TypeAdapter(MethodOptions)
    assert adapter.validate_python({"method": "random"}) == RandomOptions()
    assert adapter.validate_python({"method": "smote", "k_neighbors": 2}) == SmoteOptions(
        k_neighbors=2
    )
    assert isinstance(adapter.validate_python({"method": "gan"}), GanOptions)
    with pytest.raises(ValidationError, match="k_neighbors"):
        adapter.validate_python({"method": "gan", "k_neighbors": 2})


@pytest.mark.parametrize("model", [RandomOptions, SmoteOptions, GanOptions])
def test_options_are_frozen_and_refuse_unknown_keys(model: type[SmoteOptions]) -> None:
    with pytest.raises(ValidationError, match=r"bogus\n  Extra inputs are not permitted"):
        model.model_validate({"bogus": 1})
    options = model()
    with pytest.raises(ValidationError, match="frozen"):
        options.method = "x"  # type: ignore[misc, assignment]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"epochs": 0}, "epochs"),
        ({"validation_fraction": 0.5}, "validation_fraction"),
        ({"validation_fraction": -0.1}, "validation_fraction"),
        ({"max_modes": 0}, "max_modes"),
        ({"max_categories": 1}, "max_categories"),
        ({"continuous_mode": "kde"}, "continuous_mode"),
        ({"sample_dtype": "float16"}, "sample_dtype"),
        ({"generator_lr": 0.0}, "generator_lr"),
        ({"critic_lr": -1e-4}, "critic_lr"),
        ({"pac": 0}, "pac"),
        ({"generator_dims": ()}, "generator_dims"),
        ({"critic_dims": (64, 0)}, "critic_dims.1"),
        ({"betas": (0.5, 1.0)}, "betas.1"),
        ({"batch_size": 105, "pac": 10}, "batch_size"),
        ({"eval_every": -1}, "eval_every"),
        ({"device": "CUDA please"}, "device"),
        ({"seed": -1}, "seed"),
    ],
)
def test_gan_options_check_their_ranges(changes: dict[str, object], key: str) -> None:
    with pytest.raises(ValidationError) as info:
        GanOptions.model_validate(changes)
    assert [".".join(map(str, e["loc"])) for e in info.value.errors()] == [key]
    with pytest.raises(GanConfigError, match=f"^{key}: "):
        GanConfig.from_params(changes)


def test_batch_size_must_be_a_multiple_of_pac() -> None:
    with pytest.raises(GanConfigError, match=r"batch_size: .*multiple of pac \(10\), found 105"):
        GanConfig.from_params({"batch_size": 105, "pac": 10})
    with pytest.raises(GanConfigError, match="multiple of pac"):
        GanConfig(batch_size=105, pac=10)
    assert GanConfig.from_params({"batch_size": 105, "pac": 5}).batch_size == 105


def test_unknown_gan_keys_are_named_with_a_suggestion() -> None:
    with pytest.raises(
        GanConfigError, match=r"unknown GAN option\(s\) \['epoch'\]: .*mean 'epochs' for 'epoch'"
    ):
        GanConfig.from_params({"epoch": 3})


def test_gan_config_has_exactly_the_options_and_their_defaults() -> None:
    options = GanOptions()
    config_fields = {f.name: f.default for f in dataclasses.fields(GanConfig)}
    option_fields = {name: getattr(options, name) for name in GanOptions.model_fields}
    del option_fields["method"]
    assert config_fields == option_fields
    assert GanConfig.from_params({}) == GanConfig() == GanConfig.from_options(options)


def test_gan_config_is_normalised_and_round_trips() -> None:
    config = GanConfig.from_params({"generator_dims": [64, 32], "betas": [0.4, 0.8], "seed": 7})
    assert config.generator_dims == (64, 32) and config.betas == (0.4, 0.8)
    assert config.seed == 7
    direct = GanConfig(generator_dims=[64, 32], epochs=3.0)  # type: ignore[arg-type]
    assert direct.generator_dims == (64, 32) and type(direct.epochs) is int
    assert GanConfig.from_params(config.to_dict()) == config
    assert dataclasses.replace(config, epochs=2).epochs == 2
    with pytest.raises(GanConfigError, match="epochs"):
        dataclasses.replace(config, epochs=0)


def test_options_are_the_samplers_keyword_arguments() -> None:
    gan = GanOptions(epochs=3, seed=9)
    kwargs = dict(gan)
    assert "method" not in kwargs and "seed" not in kwargs
    assert kwargs["epochs"] == 3 and len(gan) == len(kwargs) == len(GanOptions.model_fields) - 2
    assert "seed" not in gan.model_dump()  # a spec's seed is balance.seed
    assert dict(SmoteOptions(k_neighbors=2)) == {
        "k_neighbors": 2,
        "neighbour_rows": 10_000,
        "batch_rows": 100_000,
    }
    assert dict(RandomOptions()) == {}
    with pytest.raises(KeyError):
        SmoteOptions()["method"]
    sampler = make_oversampler("smote", 1, SmoteOptions(k_neighbors=2))
    assert sampler.k_neighbors == 2  # type: ignore[attr-defined]
    make_oversampler("random", 1, RandomOptions())


def test_the_gan_sampler_is_built_from_its_options() -> None:
    from rebalance.gan.sampler import GanOversampler

    options = GanOptions(epochs=3, batch_size=20, pac=5)
    sampler = GanOversampler(seed=4, **options)
    assert sampler.config == GanConfig(epochs=3, batch_size=20, pac=5, seed=4)
    built = make_oversampler("gan", 4, options)
    assert isinstance(built, GanOversampler) and built.config == sampler.config
