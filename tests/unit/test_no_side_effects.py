"""Using rebalance as a library leaves the caller's process as it was: no environment changes
at import, no heavy imports until used, and no reseeded global random number generators."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import torch

from rebalance.core.samplers import make_oversampler

PROBE = """
import json, os, sys
before = dict(os.environ)
import rebalance, rebalance.core.config, rebalance.core.samplers
after = dict(os.environ)
print(json.dumps({
    "changed": sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)),
    "loaded": sorted(m for m in ("torch", "prefect", "great_expectations", "sklearn")
                     if m in sys.modules),
}))
"""


def test_import_changes_no_environment_and_loads_nothing_heavy() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"changed": [], "loaded": []}


def test_the_inbox_watcher_flow_loads_neither_the_gate_nor_torch() -> None:
    """`rebalance serve` starts the watcher every few seconds, each in a new process."""
    probe = (
        "import sys, rebalance.flows.watch_flow\n"
        "print(sorted(m for m in ('torch', 'sklearn', 'imblearn', 'great_expectations')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_gan_fit_and_sample_leave_global_rngs_alone() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x": rng.normal(size=80), "label": np.array(["a"] * 60 + ["b"] * 20, dtype=object)}
    )
    torch.manual_seed(1234)
    np.random.seed(99)
    torch_before, numpy_before = torch.get_rng_state().clone(), np.random.get_state()
    sampler = make_oversampler("gan", 0, {"epochs": 2, "batch_size": 20, "eval_every": 0})
    sampler.fit(frame, "label", {"x": "continuous", "label": "categorical"}).sample("b", 50)
    assert torch.equal(torch.get_rng_state(), torch_before)
    numpy_after = np.random.get_state()
    assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
