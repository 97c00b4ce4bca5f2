"""rebalance.balance(): the Prefect-free Python API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from rebalance import BalanceResult, balance
from rebalance.core.amounts import measure_f1_amount
from rebalance.core.errors import GateError, InputError, QuarantineError, SpecError
from rebalance.core.gate_config import ClassifierConfig
from rebalance.core.split import selection_split
from tests.support import record_f1_measurements

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def one_openmp_thread() -> Iterator[None]:
    """The gate's gradient boosting spins OpenMP threads; on a busy 2-core machine one thread
    is many times faster. Restored after the module."""
    with threadpool_limits(limits=1):
        yield


def table(n_major: int = 160, n_minor: int = 40, seed: int = 0) -> pd.DataFrame:
    """Mixed types: continuous, integer, text with gaps, boolean; binary text target."""
    rng = np.random.default_rng(seed)
    n = n_major + n_minor
    label = np.array(["no"] * n_major + ["yes"] * n_minor)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "income": np.round(rng.normal(50.0, 10.0, n) + (label == "yes") * 15.0, 3),
            "age": rng.integers(18, 80, n),
            "colour": pd.Series(colour, dtype="str"),
            "member": rng.random(n) < 0.3,
            "label": label,
        }
    )


def rows(frame: pd.DataFrame) -> list[str]:
    """The rows as sorted text, missing values alike, to compare frames as multisets."""
    plain = frame.astype(object).where(frame.notna(), None)
    return sorted(map(repr, plain.itertuples(index=False, name=None)))


# These tests are about what balance() returns, not about how sure SMOTE's gain on a 200-row
# toy table is (its bootstrap gain probability there is 0.79): that check is relaxed.
SURE_ENOUGH = {"min_gain_probability": 0.5}


@pytest.fixture(scope="module")
def smote_result() -> BalanceResult:
    return balance(table(), target="label", method="smote", seed=0, thresholds=SURE_ENOUGH)


def test_smote_adds_exactly_the_planned_rows(smote_result: BalanceResult) -> None:
    result = smote_result
    assert (result.method, result.gate) == ("smote", "publish")
    assert result.plan.before == {"no": 128, "yes": 32}  # 20% of each class held out
    assert result.plan.to_generate == {"yes": 96}
    counts = result.frame.groupby(["label", "is_synthetic"]).size().to_dict()
    assert counts == {("no", False): 128, ("yes", False): 32, ("yes", True): 96}
    assert list(result.frame.columns) == [
        "income",
        "age",
        "colour",
        "member",
        "label",
        "is_synthetic",
    ]
    assert result.frame["is_synthetic"].dtype == bool
    # held as category codes inside, categorical columns come back as text
    assert isinstance(result.frame["colour"].dtype, pd.StringDtype)
    assert isinstance(result.holdout["colour"].dtype, pd.StringDtype)
    assert not result.frame["is_synthetic"].iloc[:160].any()  # real rows first
    assert result.column_types == {
        "income": "continuous",
        "age": "integer",
        "colour": "categorical",
        "member": "boolean",
        "label": "categorical",
    }
    synthetic = result.frame[result.frame["is_synthetic"]]
    assert set(synthetic["colour"].dropna()) <= {"red", "green", "blue"}
    assert synthetic["age"].between(18, 79).all()


def test_holdout_is_real_untouched_rows_and_validation_is_recorded(
    smote_result: BalanceResult,
) -> None:
    result, original = smote_result, table()
    assert result.holdout["label"].value_counts().to_dict() == {"no": 32, "yes": 8}
    assert list(result.holdout.columns) == list(original.columns)
    real = result.frame[~result.frame["is_synthetic"]].drop(columns="is_synthetic")
    assert rows(pd.concat([real, result.holdout])) == rows(original)
    assert result.decision is not None and result.decision.outcome == "publish"
    record = result.validation
    assert record is not None
    assert set(record["candidates"]) == {"smote", "none", "random"}
    assert record["candidates"]["smote"]["passed"] is True
    assert record["decision"]["method"] == "smote"
    json.dumps(record, default=str)  # the _validation.json shape: serializable


def test_without_validation_every_row_is_train() -> None:
    original = table()
    result = balance(original, target="label", method="random", validate=False, seed=1)
    assert (result.method, result.gate) == ("random", "not validated")
    assert result.decision is None and result.validation is None
    assert result.holdout.empty and list(result.holdout.columns) == list(original.columns)
    assert result.plan.before == {"no": 160, "yes": 40}
    assert result.frame["label"].value_counts().to_dict() == {"no": 160, "yes": 160}
    assert int(result.frame["is_synthetic"].sum()) == 120
    real = result.frame[~result.frame["is_synthetic"]].drop(columns="is_synthetic")
    assert rows(real) == rows(original)


def test_sampling_strategy_f1_adds_the_rows_that_move_the_default_cut() -> None:
    original = table(n_major=300, n_minor=40, seed=2)
    result = balance(
        original, target="label", method="random", validate=False, seed=1, sampling_strategy="f1"
    )
    amount = measure_f1_amount(original, "label", "yes", result.column_types, ClassifierConfig(), 1)
    assert 1 < amount.factor < 300 / 40  # this table is neither full balance nor left alone
    wanted = amount.target(40, 300)
    assert result.plan.to_generate == {"yes": wanted - 40}
    assert result.frame["label"].value_counts().to_dict() == {"no": 300, "yes": wanted}


def test_sampling_strategy_f1_is_measured_on_the_fit_rows_when_validating(monkeypatch) -> None:
    measured = record_f1_measurements(monkeypatch)
    result = balance(
        table(), target="label", method="random", seed=0, sampling_strategy="f1",
        on_failure="publish_real_only",
    )  # fmt: skip
    train = result.frame[~result.frame["is_synthetic"]]
    fit, selection = selection_split(train, "label", 0.25, 0)
    assert measured == [len(fit)] and len(selection) > 0  # never the selection rows
    assert result.plan.basis is not None and f"on {len(fit)} real rows" in result.plan.basis


def test_category_columns_come_back_as_category() -> None:
    original = table().astype({"colour": "category"})
    result = balance(original, target="label", method="random", validate=False, seed=1)
    assert isinstance(result.frame["colour"].dtype, pd.CategoricalDtype)
    assert isinstance(result.holdout["colour"].dtype, pd.CategoricalDtype)
    assert isinstance(result.frame["label"].dtype, pd.StringDtype)


@pytest.mark.parametrize("method", ["smote", "random", "gan"])
def test_an_identifier_column_is_refused_alike_by_every_method(method: str) -> None:
    frame = table().assign(ref=lambda f: [f"u{i:05d}" for i in range(len(f))])
    # smote used to publish synthetic rows copying real ids; the gan refused (above 200 levels)
    with pytest.raises(InputError) as info:
        balance(frame, target="label", method=method, validate=False)  # refused before a fit
    message = str(info.value)
    assert message.startswith("<DataFrame>, column 'ref': expected a categorical column with ")
    assert "found 200 distinct values in 200 rows" in message and "dataset.drop" in message


def test_sampling_strategy_dict_with_any_label_type() -> None:
    frame = table().assign(label=lambda f: (f["label"] == "yes").astype(int))
    result = balance(
        frame, target="label", method="random", validate=False, sampling_strategy={1: 70}
    )
    assert result.frame["label"].value_counts().to_dict() == {0: 160, 1: 70}
    assert result.frame["label"].dtype == np.int64


def test_random_oversampling_copies_are_reported_not_gating() -> None:
    # random oversampling copies real rows by construction; beside the real rows that is no leak
    result = balance(table(), target="label", method="random", on_failure="publish_real_only")
    assert result.validation is not None
    checks = result.validation["candidates"]["random"]["checks"]
    copies = next(c for c in checks if c["name"] == "exact_copy_share[yes]")
    assert copies["value"] == 1.0 and not copies["passed"] and not copies["gating"]
    assert result.validation["holdout"]["method"] == result.method
    # what did gate it here: it lowers minority F1 on the selection rows
    with pytest.raises(GateError, match=r"method 'random' failed the publishing gate") as info:
        balance(table(), target="label", method="random", on_failure="fail")
    failed = [f.split(" =")[0] for f in info.value.failures]
    assert failed == ["minority_f1_gain_over_real_only", "minority_f1_gain_probability"]


def test_a_bad_threshold_names_the_argument() -> None:
    with pytest.raises(SpecError, match=r"thresholds"):
        balance(table(), target="label", method="smote", thresholds={"min_gain_probability": 2})


def test_missing_target_names_the_column() -> None:
    with pytest.raises(InputError, match=r"expected target column 'income_band', found columns"):
        balance(table(), target="income_band", method="smote")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"method": "bogus"}, r"method: expected one of .* found 'bogus'"),
        ({"sampling_strategy": 1.5}, r"sampling_strategy: expected .* found 1\.5"),
        ({"on_failure": "explode"}, r"on_failure: .* \(found 'explode'\)"),
        ({"holdout_fraction": 1.0}, r"holdout_fraction: Input should be less than 1"),
        ({"seed": -1}, r"seed: Input should be greater than or equal to 0"),
        ({"column_types": {"age": "number"}}, r"column_types: age: Input should be"),
        ({"k_neighbors": 0}, r"options: k_neighbors: Input should be greater than or equal"),
        ({"method": "auto", "epochs": 3}, r"options \['epochs'\] belong to one method"),
        (
            {"holdout_fracton": 0.3},
            r"holdout_fracton: not an option of method 'smote' .*did you mean the argument "
            r"holdout_fraction=\?",
        ),
        ({"method": "auto", "validate": False}, r"method='auto' .* found validate=False"),
    ],
)
def test_bad_arguments_raise_one_spec_error_line_naming_them(
    arguments: dict[str, object], message: str
) -> None:
    arguments = {"method": "smote", **arguments}
    with pytest.raises(SpecError, match=message) as info:
        balance(table(), target="label", **arguments)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((3, 2)), "expected a pandas DataFrame, found ndarray"),
        (pd.DataFrame({"label": []}), r"expected data rows, found an empty DataFrame"),
        (pd.DataFrame({0: [1, 2], "label": ["a", "b"]}), r"expected text column names"),
    ],
)
def test_unusable_frames_raise_input_errors(frame: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        balance(frame, target="label", method="smote")  # type: ignore[arg-type]


def test_rows_with_defects_are_dropped_with_a_warning_up_to_the_limit() -> None:
    frame = table()
    frame.loc[[3, 50], "label"] = None  # 2 of 200 rows: 1%
    with pytest.warns(UserWarning, match=r"dropped 2 of 200 row\(s\).*target is missing"):
        result = balance(frame, target="label", method="random", validate=False)
    assert len(result.frame) == 158 + 158
    frame.loc[:20, "income"] = np.inf  # 10% more: over the 5% limit
    with pytest.raises(QuarantineError, match=r"expected at most 5\.0% of rows quarantined"):
        balance(frame, target="label", method="random", validate=False)


def test_a_fresh_process_balances_without_importing_prefect(tmp_path: Path) -> None:
    script = """
import json, sys
import numpy as np, pandas as pd
from rebalance import balance
sys.path.insert(0, sys.argv[1])
from tests.unit.test_api import table
result = balance(
    table(), target="label", method="smote", thresholds={"min_gain_probability": 0.5}
)
print(json.dumps({
    "prefect": sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect.")),
    "method": result.method, "synthetic": int(result.frame["is_synthetic"].sum()),
}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(OMP_NUM_THREADS="1", HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"prefect": [], "method": "smote", "synthetic": 96}


def test_the_mistyped_argument_hint_knows_every_keyword_of_balance() -> None:
    import inspect

    from rebalance.api.arguments import KEYWORDS

    keywords = [
        name
        for name, parameter in inspect.signature(balance).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    ]
    assert sorted(keywords) == sorted(KEYWORDS)
