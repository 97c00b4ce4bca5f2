"""The embedded default: scikit-learn's bundled Wisconsin breast-cancer table.

The CSV ships inside scikit-learn (``sklearn/datasets/data/breast_cancer.csv``); its first line
is a summary (``569,30,malignant,benign``), not a header, so the spec skips it and names the
columns. Target ``diagnosis``: 0 = malignant (212 rows), 1 = benign (357 rows). The demo runs
``method: auto``.
"""

from __future__ import annotations

from importlib import resources

from rebalance.core.config import BalanceConfig, CsvOptions, DatasetSpec, RebalanceConfig

DEMO_GAN_EPOCHS = 150  # bounded so the demo stays short on a laptop CPU


def demo_config() -> RebalanceConfig:
    from sklearn.datasets import load_breast_cancer

    data_file = resources.files("sklearn.datasets.data") / "breast_cancer.csv"
    features = [str(name).replace(" ", "_") for name in load_breast_cancer().feature_names]
    dataset = DatasetSpec(
        name="breast-cancer-demo",
        path=str(data_file),
        format="csv",
        csv=CsvOptions(header=False, skip_rows=1, column_names=[*features, "diagnosis"]),
        target="diagnosis",
        columns={"diagnosis": "categorical"},
    )
    # auto: fit the GAN, SMOTE and random oversampling, validate each on the real holdout, and
    # publish the best that passes the gate (the real rows alone when none helps).
    balance = BalanceConfig(method="auto", method_params={"gan": {"epochs": DEMO_GAN_EPOCHS}})
    return RebalanceConfig(dataset=dataset, balance=balance)
