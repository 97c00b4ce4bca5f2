from __future__ import annotations

from pathlib import Path

import pytest

from rebalance.config import RebalanceConfig, load_config
from rebalance.errors import SpecError


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
        ("dataset: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_specs_name_the_problem(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(SpecError, match=None) as info:
        load_config(write(tmp_path, text))
    assert fragment in str(info.value)
    assert str(tmp_path) in str(info.value)


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
