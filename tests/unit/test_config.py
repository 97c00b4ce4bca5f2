from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from rebalance.cli.main import main
from rebalance.core.config import RebalanceConfig, load_config, spec_json_schema
from rebalance.core.errors import SpecError
from rebalance.core.method_options import GanOptions, SmoteOptions


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_data_path_resolves_against_the_spec_folder(tmp_path: Path) -> None:
    spec = write(tmp_path, "dataset: {name: d, path: data/x.csv, target: y}\n")
    config = load_config(spec)
    assert config.dataset.path == str((tmp_path / "data" / "x.csv").resolve())


def test_input_override_replaces_the_spec_path(tmp_path: Path) -> None:
    spec = write(tmp_path, "dataset: {name: d, path: data/x.csv, target: y}\n")
    assert load_config(spec, input_path="memory://other.csv").dataset.path == "memory://other.csv"


def test_json_specs_are_accepted(tmp_path: Path) -> None:
    spec = write(tmp_path, '{"dataset": {"name": "d", "path": "/x.csv", "target": "y"}}', "s.json")
    assert load_config(spec).dataset.target == "y"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("dataset: {name: d, path: x.csv}\n", "dataset.target"),
        ("dataset: {name: ../up, path: x.csv, target: y}\n", "no '..'"),
        ("dataset: {name: d, path: x.csv, target: y, csv: {header: false}}\n", "column_names"),
        ("dataset: {name: d, path: x.csv, target: y, colums: {}}\n", "colums"),
        ("dataset: {name: d, path: x.csv, target: y, drop: [y]}\n", "also listed in drop"),
        (
            "dataset: {name: d, path: x.csv, target: y, columns: {a: continuous}, "
            "domains: {a: [p]}}\n",
            "declared continuous",
        ),
        ("dataset: {name: d, path: x.csv, target: y}\nbalance: {method: magic}\n", "method"),
        (
            "dataset: {name: d, path: x.csv, target: y}\nbalance: {sampling_strategy: 1.5}\n",
            "sampling_strategy",
        ),
        (
            "dataset: {name: d, path: x.csv, target: y}\nbalance: {holdout_fraction: 1.0}\n",
            "holdout_fraction",
        ),
        ("just a string\n", "expected a mapping with a 'dataset' section"),
        ("dataset: [unclosed\n", "expected valid YAML"),
    ],
)
def test_invalid_specs_name_the_problem(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(SpecError, match=None) as info:
        load_config(write(tmp_path, text))
    assert fragment in str(info.value)
    assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("s.yaml", "dataset: {name: d, path: x.csv\n  target: y\nbalance: [\n", "line 2, column 9"),
        ("s.json", '{"dataset": {"name": "d",\n "path" "x.csv"}}', "line 2, column 9"),
    ],
)
def test_a_syntax_error_is_one_line_naming_file_line_and_column(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    spec = write(tmp_path, text, name)
    with pytest.raises(SpecError) as info:
        load_config(spec)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{spec}: expected valid ")
    assert f"found a syntax error at {where}: " in message
    assert "<unicode string>" not in message and "^" not in message  # no YAML excerpt


def test_missing_spec_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read spec file"):
        load_config(tmp_path / "nope.yaml")


def test_content_hash_ignores_where_files_live_but_not_what_is_done() -> None:
    base = {"dataset": {"name": "d", "path": "/a.csv", "target": "y"}}
    one = RebalanceConfig.model_validate(base)
    moved = RebalanceConfig.model_validate(
        {
            "dataset": {"name": "d", "path": "/elsewhere/a.csv", "target": "y"},
            "output": {"root": "/tmp/other"},
        }
    )
    reseeded = one.with_overrides(seed=7)
    assert one.content_hash() == moved.content_hash()
    assert one.content_hash() != reseeded.content_hash()


def test_overrides_are_validated() -> None:
    config = RebalanceConfig.model_validate({"dataset": {"name": "d", "path": "/a", "target": "y"}})
    with pytest.raises(SpecError, match="holdout_fraction"):
        config.with_overrides(holdout_fraction=2.0)
    assert config.with_overrides(sampling_strategy={"1": 10}).balance.sampling_strategy == {"1": 10}


# ---- typed method options -------------------------------------------------------------------

SPEC_HEAD = "dataset: {name: d, path: x.csv, target: y}\n"
EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "specs").glob("*.yaml"))


@pytest.mark.parametrize(
    ("sections", "said"),
    [
        (
            "balance: {method: smot}",
            "balance.method: expected 'none', 'random', 'smote', 'gan' or 'auto', found 'smot'; "
            "did you mean 'smote'?",
        ),
        (
            "balance: {sampling_strategy: 1.5}",
            "balance.sampling_strategy: expected 'auto', 'not majority', 'minority', "
            "'not minority', 'all', 'f1', a number less than or equal to 1 or a mapping, found 1.5",
        ),
        (
            "balance: {sampling_stratgy: auto}",
            "balance.sampling_stratgy: expected a known key, found unknown key 'sampling_stratgy'; "
            "did you mean 'sampling_strategy'?",
        ),
        (
            "runtime: {max_workers: 0}",
            "runtime.max_workers: expected greater than or equal to 1, found 0",
        ),
        ("balance: {holdout_fraction: 0}", ": balance.holdout_fraction: expected > 0 while"),
        (  # a column's name is a key of the spec, even where it looks like a union's member
            "dataset: {name: d, path: x.csv, target: y, columns: {'feat[1]': integr}}",
            "dataset.columns.feat[1]: expected 'continuous', 'categorical', 'integer', 'boolean' "
            "or 'datetime', found 'integr'",
        ),
        (  # a mapping is allowed: the error is inside it, not the union's alternatives
            "balance: {sampling_strategy: {a: x}}",
            ": balance.sampling_strategy.a: expected a valid integer, found 'x'",
        ),
        (
            "balance: {method: gan, params: {epoch: 3}}",
            "balance.params.epoch: expected a known key, found unknown key 'epoch'; did you mean "
            "'epochs'?",
        ),
        (
            "balance: {method: gan, params: {batch_size: 501}}",
            ": balance.params.batch_size: expected a multiple of pac (10), found 501",
        ),
    ],
)
def test_a_bad_value_says_what_was_expected_and_found(
    tmp_path: Path, sections: str, said: str
) -> None:
    head = "" if sections.startswith("dataset:") else SPEC_HEAD
    spec = write(tmp_path, f"{head}{sections}\n")
    with pytest.raises(SpecError) as info:
        load_config(spec)
    message = str(info.value)
    assert said in message
    assert "literal[" not in message and "(top level)" not in message
    assert "dict[" not in message and ", found 501, found" not in message


@pytest.mark.parametrize(
    ("balance", "fragment"),
    [
        (
            "{method: gan, params: {epochs: 0}}",
            "params.epochs: expected greater than or equal to 1, found 0",
        ),
        (
            "{method: gan, params: {epoch: 3}}",
            "balance.params.epoch: expected a known key, found unknown key 'epoch'",
        ),
        ("{method: gan, params: {batch_size: 105}}", "balance.params.batch_size: "),
        ("{method: gan, params: {continuous_mode: kde}}", "balance.params.continuous_mode"),
        ("{method: gan, params: {generator_dims: []}}", "balance.params.generator_dims"),
        ("{method: smote, params: {k: 3}}", "balance.params.k: expected a known key"),
        ("{method: smote, params: {k_neighbors: 0}}", "balance.params.k_neighbors"),
        (
            "{method: random, params: {k_neighbors: 3}}",
            "balance.params.k_neighbors: expected a known key",
        ),
        (
            "{method_params: {gan: {bogus: 1}}}",
            "balance.method_params.gan.bogus: expected a known key",
        ),
        ("{method_params: {smote: {k_neighbors: -1}}}", "balance.method_params.smote.k_neighbors"),
        ("{method_params: {magic: {}}}", "balance.method_params.magic: expected a known key"),
        ("{method: auto, params: {epochs: 5}}", "balance.params: method 'auto' takes no params"),
        ("{method: none, params: {k_neighbors: 3}}", "use"),
        ("{method: gan, params: {seed: 3}}", "params.seed: the sampler's seed is balance.seed"),
        ("{method: gan, params: {method: smote}}", "params are options of 'smote'"),
        (
            "{method: gan, params: {pac: 7}, method_params: {gan: {batch_size: 100}}}",
            "multiple of pac (7)",
        ),
    ],
)
def test_bad_method_options_fail_at_load_naming_the_key(
    tmp_path: Path, balance: str, fragment: str
) -> None:
    spec = write(tmp_path, f"{SPEC_HEAD}balance: {balance}\n")
    with pytest.raises(SpecError) as info:
        load_config(spec)
    message = str(info.value)
    assert message.startswith(f"{spec}: ")
    assert "\n" not in message
    if fragment == "use":  # params no candidate would use point to method_params
        assert "balance.params: method 'none' takes no params" in message
        assert "method_params.<method>" in message
    else:
        assert fragment in message
    assert "balance.params.gan." not in message  # the union's tag is not part of the path


def test_method_options_are_typed_and_feed_the_samplers(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        SPEC_HEAD + "balance:\n  method: gan\n  params: {epochs: 200, generator_dims: [64, 32]}\n"
        "  method_params: {gan: {epochs: 100, batch_size: 100}, smote: {k_neighbors: 3}}\n",
    )
    balance = load_config(spec).balance
    assert isinstance(balance.params, GanOptions)
    assert isinstance(balance.method_params.gan, GanOptions)
    assert isinstance(balance.method_params.smote, SmoteOptions)
    assert balance.method_params.random is None
    gan = balance.params_for("gan")  # params over method_params.gan, then the defaults
    assert (gan["epochs"], gan["batch_size"], gan["generator_dims"]) == (200, 100, (64, 32))
    assert gan["pac"] == GanOptions().pac
    assert "method" not in gan and "seed" not in gan  # the seed is balance.seed
    assert balance.params_for("smote") == {**dict(SmoteOptions()), "k_neighbors": 3}
    assert balance.params_for("random") == {}
    assert balance.params_for("none") == {}


@pytest.mark.parametrize(
    ("sections", "unused"),
    [
        ("balance: {method: smote, method_params: {gan: {epochs: 5}}}\n", "gan"),
        (
            "balance: {method: smote, method_params: {random: {}}}\nvalidation: {enabled: false}\n",
            "random",
        ),
    ],
)
def test_options_of_a_method_no_candidate_fits_are_refused_naming_the_key(
    tmp_path: Path, sections: str, unused: str
) -> None:
    spec = write(tmp_path, SPEC_HEAD + sections)
    with pytest.raises(SpecError) as info:
        load_config(spec)
    message = str(info.value)
    assert message.startswith(f"{spec}: balance.method_params.{unused}: expected options of a ")
    assert "\n" not in message and "(top level)" not in message


def test_options_of_fallbacks_and_references_are_used(tmp_path: Path) -> None:
    fallback = (
        "balance: {method: smote, method_params: {gan: {epochs: 5}}}\n"
        "validation: {on_failure: fallback, fallback_methods: [gan, none]}\n"
    )
    config = load_config(write(tmp_path, SPEC_HEAD + fallback))
    assert config.balance.params_for("gan")["epochs"] == 5
    # validation fits random and smote as references, so their options are used
    reference = "balance: {method: gan, method_params: {smote: {k_neighbors: 2}, random: {}}}\n"
    assert load_config(write(tmp_path, SPEC_HEAD + reference, "r.yaml")).balance.method == "gan"


def test_a_method_override_drops_options_it_leaves_unused_instead_of_refusing(
    tmp_path: Path,
) -> None:
    spec = write(tmp_path, SPEC_HEAD + "balance: {method: gan, params: {epochs: 5}}\n")
    loaded = load_config(spec)
    smote = loaded.with_overrides(method="smote")  # rebalance run --method smote
    assert smote.balance.method == "smote" and smote.balance.method_params.gan is None
    # Prefect validates the config again as a flow parameter: it must still be valid
    assert RebalanceConfig.model_validate(smote.model_dump()) == smote
    auto = loaded.with_overrides(method="auto")  # the GAN is a candidate: its options stay
    assert auto.balance.params_for("gan")["epochs"] == 5


def test_for_method_gives_each_candidate_its_own_options() -> None:
    config = RebalanceConfig.model_validate(
        {
            "dataset": {"name": "d", "path": "/a.csv", "target": "y"},
            "balance": {"method": "auto", "method_params": {"gan": {"epochs": 7}}},
        }
    )
    assert config.balance.params is None
    gan = config.for_method("gan")
    assert (gan.method, gan.params) == ("gan", GanOptions(epochs=7))
    assert dict(gan.params or {}) == config.balance.params_for("gan")
    smote = config.for_method("smote")
    assert smote.method == "smote" and dict(smote.params or {}) == dict(SmoteOptions())
    assert dict(smote.params or {})["k_neighbors"] == 5
    assert config.for_method("none").params is None


def test_a_valid_spec_round_trips(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        SPEC_HEAD
        + "balance:\n  method: gan\n  seed: 3\n  params: {epochs: 50, betas: [0.4, 0.8]}\n"
        "  method_params: {smote: {k_neighbors: 2}}\n",
    )
    config = load_config(spec)
    again = RebalanceConfig.model_validate(config.model_dump())
    assert again == config
    assert again.content_hash() == config.content_hash()
    user_shaped = config.model_dump(mode="json", exclude_unset=True)
    del user_shaped["balance"]["params"]["method"]  # as users write it: no tag
    rewritten = write(tmp_path, yaml.safe_dump(user_shaped), "again.yaml")
    assert load_config(rewritten) == config


def test_equivalent_specs_hash_alike() -> None:
    def config(balance: dict[str, object]) -> RebalanceConfig:
        data = {"dataset": {"name": "d", "path": "/a.csv", "target": "y"}, "balance": balance}
        return RebalanceConfig.model_validate(data)

    plain = config({"method": "gan"}).content_hash()
    assert config({"method": "gan", "params": {}}).content_hash() == plain
    assert config({"method": "gan", "params": {"epochs": 300}}).content_hash() == plain
    assert config({"method": "gan", "method_params": {"gan": {}}}).content_hash() == plain
    as_params = config({"method": "gan", "params": {"epochs": 9}}).content_hash()
    as_method_params = config({"method": "gan", "method_params": {"gan": {"epochs": 9}}})
    assert as_method_params.content_hash() == as_params != plain


def test_a_method_override_keeps_the_old_methods_params() -> None:
    config = RebalanceConfig.model_validate(
        {
            "dataset": {"name": "d", "path": "/a.csv", "target": "y"},
            "balance": {
                "method": "gan",
                "params": {"epochs": 9},
                "method_params": {"gan": {"batch_size": 100}},
            },
        }
    )
    auto = config.with_overrides(method="auto")
    assert auto.balance.params is None
    assert auto.balance.params_for("gan")["epochs"] == 9
    assert auto.balance.params_for("gan")["batch_size"] == 100
    assert config.with_overrides(seed=4).balance.params == config.balance.params


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda path: path.stem)
def test_example_specs_load(spec: Path) -> None:
    config = load_config(spec)  # reads the spec only, never the data
    assert config.dataset.name == spec.stem
    for method in config.candidate_methods():
        config.balance.params_for(method)


def test_examples_are_found() -> None:
    assert len(EXAMPLES) >= 8


# ---- rebalance schema -----------------------------------------------------------------------


def test_schema_command_prints_the_spec_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["required"] == ["dataset"]
    assert schema["$defs"]["DatasetSpec"]["additionalProperties"] is False
    params = schema["$defs"]["BalanceConfig"]["properties"]["params"]
    refs = {choice.get("$ref") for choice in params["anyOf"]}
    assert "#/$defs/GanOptions" in refs and "#/$defs/SmoteOptions" in refs
    gan = schema["$defs"]["GanOptions"]
    assert gan["properties"]["epochs"]["minimum"] == 1
    assert gan["properties"]["sample_dtype"]["enum"] == ["auto", "float32", "bfloat16"]
    assert gan["additionalProperties"] is False
    method_params = schema["$defs"]["MethodParams"]["properties"]
    assert {"$ref": "#/$defs/GanOptions"} in method_params["gan"]["anyOf"]


def test_schema_command_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "spec.schema.json"
    assert main(["schema", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == spec_json_schema()
    assert main(["schema", "--output", str(tmp_path / "missing" / "s.json")]) == 2
    assert "cannot write the schema" in capsys.readouterr().err
