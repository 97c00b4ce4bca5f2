"""The demo's dataset: readable offline, clearly imbalanced, derived deterministically."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from rebalance.cli.demo import DEMO_GAN_EPOCHS, demo_config
from rebalance.core.columns import type_table
from rebalance.core.ingest import read_raw


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("the demo data must not need the network")


def test_demo_data_reads_offline_and_is_at_least_five_to_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.chdir(tmp_path)
    config = demo_config()
    spec = config.dataset
    table = type_table(read_raw(spec), spec)  # as the flow's ingest and typing stages read it
    assert table.quarantine.empty
    counts = table.frame[spec.target].value_counts()
    assert len(counts) == 2
    assert counts.iloc[0] >= 5 * counts.iloc[-1], counts.to_dict()
    assert counts.iloc[-1] >= 100  # enough minority rows for a holdout and for the samplers
    assert list(tmp_path.iterdir()) == []  # nothing written to the working folder


def test_demo_label_is_the_bundled_digit_one_vs_rest() -> None:
    from sklearn.datasets import load_digits

    spec = demo_config().dataset
    frame = read_raw(spec).frame
    bundled = load_digits(as_frame=True)
    minority = frame[spec.target].value_counts().idxmin()
    assert (frame[spec.target] == minority).tolist() == (
        bundled.target.astype(str) == minority
    ).tolist()
    kept = [name for name in bundled.feature_names if name not in spec.drop]
    assert frame.drop(columns=spec.target).astype(int).values.tolist() == (
        bundled.data[kept].astype(int).values.tolist()
    )
    assert all(bundled.data[name].max() == 0 for name in spec.drop)  # only blank pixels dropped


def test_demo_config_is_deterministic_and_runs_auto() -> None:
    first, second = demo_config(), demo_config()
    assert first.content_hash() == second.content_hash()
    assert read_raw(first.dataset).fingerprint == read_raw(second.dataset).fingerprint
    assert first.balance.method == "auto"
    assert first.balance.params_for("gan")["epochs"] == DEMO_GAN_EPOCHS
