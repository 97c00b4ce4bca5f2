"""Secrets in input URLs never reach messages, metadata or events; unreachable and
backend-less locations fail with one line naming the (redacted) URL."""

from __future__ import annotations

import importlib.util
import socket
import tomllib
from pathlib import Path

import fsspec
import pytest

from rebalance.core import events
from rebalance.core.config import DatasetSpec
from rebalance.core.errors import ContractError, InputError, SourceUnreachableError
from rebalance.core.ingest import EXTRAS, read_bytes, read_raw
from rebalance.core.lineage import run_metadata
from rebalance.core.plan import BalancePlan
from rebalance.core.redaction import redact_url, redact_values
from rebalance.core.serialize import to_json
from rebalance.tasks.retry import is_transient
from tests.support import make_config

SECRET = "s3cr3tpw"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://alice:s3cr3tpw@host:21/a.csv", "ftp://alice:***@host:21/a.csv"),
        ("s3://key:s3cr3tpw@bucket/a.csv", "s3://key:***@bucket/a.csv"),
        ("https://u:p@ss:s3cr3tpw@host/a.csv", "https://u:***@host/a.csv"),  # '@' in password
        ("https://host/a.csv?token=s3cr3tpw&x=1", "https://host/a.csv?token=***&x=1"),
        ("https://host/a.csv?X-Amz-Signature=s3cr3tpw", "https://host/a.csv?X-Amz-Signature=***"),
        ("gs://b/a.csv?api_key=s3cr3tpw#f", "gs://b/a.csv?api_key=***#f"),
        ("https://host/a.csv?password=s3cr3tpw", "https://host/a.csv?password=***"),
        ("ftp://alice@host/a.csv", "ftp://alice@host/a.csv"),  # a user name is no secret
        ("/data/a.csv", "/data/a.csv"),
        ("memory://bucket/a.csv?page=2", "memory://bucket/a.csv?page=2"),
    ],
)
def test_redact_url_masks_passwords_and_secret_parameters(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(redact_url(url)) == shown  # applying it twice changes nothing


def test_urls_inside_text_and_structures_are_redacted() -> None:
    text = f"could not open ftp://alice:{SECRET}@host/a.csv (refused)"
    assert redact_url(text) == "could not open ftp://alice:***@host/a.csv (refused)"
    nested = {"a": [f"s3://k:{SECRET}@b/x"], "n": 1, "b": {"c": f"h://x/y?token={SECRET}"}}
    assert SECRET not in to_json(redact_values(nested))
    assert redact_values(nested)["n"] == 1


def test_error_messages_name_the_location_without_its_secret() -> None:
    url = f"memory://alice:{SECRET}@host/missing.csv"
    with pytest.raises(InputError) as info:
        read_bytes(url)
    assert SECRET not in str(info.value) and "memory://alice:***@host/missing.csv" in str(
        info.value
    )
    assert SECRET not in info.value.path
    contract = ContractError(f"ftp://a:{SECRET}@h/x.csv", ["expected 2 classes, found 1"])
    assert SECRET not in str(contract) and "ftp://a:***@h/x.csv" in str(contract)


def test_metadata_profile_path_and_events_carry_no_secret() -> None:
    url = f"memory://alice:{SECRET}@host/toy.csv"
    with fsspec.open(url, "wb") as handle:
        handle.write(b"x,y\n1,a\n2,b\n3,a\n")
    raw = read_raw(DatasetSpec(name="toy", path=url, target="y"))
    assert len(raw.frame) == 3 and raw.size == 16  # it was read through the real URL
    assert SECRET not in raw.path
    config = make_config(url, "out", schedule={"inbox": f"ftp://bob:{SECRET}@h/in"})
    plan = BalancePlan({"a": 2, "b": 1}, {}, {})
    metadata = run_metadata(
        config, version="v", input_fingerprint="f", plan=plan, holdout_counts={},
        column_types={}, run_id=None, method="none",
    )  # fmt: skip
    assert "alice:***@host" in metadata["input_path"]
    assert metadata["config"]["dataset"]["path"] == "memory://alice:***@host/toy.csv"
    assert SECRET not in to_json(metadata)
    arrived = events.arrived_payload("d", "s.yaml", url, "abc", 3)
    published = events.published_payload("d", "v", f"/o?token={SECRET}", url, "smote", "publish")
    assert SECRET not in to_json(arrived) + to_json(published)


def _refused_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_is_one_retryable_line_naming_the_redacted_url() -> None:
    url = f"ftp://alice:{SECRET}@127.0.0.1:{_refused_port()}/data/x.csv"
    with pytest.raises(SourceUnreachableError) as info:
        read_bytes(url)
    message = str(info.value)
    assert message.startswith("ftp://alice:***@127.0.0.1:") and "/data/x.csv" in message
    assert "ConnectionRefusedError" in message and SECRET not in message
    assert "\n" not in message
    assert is_transient(info.value)  # a network fault may pass: the ingest task retries it


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed")
def test_a_missing_fsspec_backend_names_the_extra_to_install() -> None:
    with pytest.raises(InputError) as info:
        read_bytes(f"s3://key:{SECRET}@bucket/new.csv")
    message = str(info.value)
    assert "pip install 'rebalance-tabular[s3]'" in message
    assert message.startswith("s3://key:***@bucket/new.csv: ") and SECRET not in message
    assert not is_transient(info.value)


@pytest.mark.skipif(importlib.util.find_spec("gcsfs") is not None, reason="gcsfs is installed")
def test_gcs_names_its_extra() -> None:
    with pytest.raises(InputError, match=r"pip install 'rebalance-tabular\[gcs\]'"):
        read_bytes("gs://bucket/new.csv")


def test_every_extra_an_error_names_is_declared_in_pyproject() -> None:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert set(EXTRAS.values()) == {"s3", "gcs"}
    assert declared["s3"] == ["s3fs"] and declared["gcs"] == ["gcsfs"]


def test_the_config_as_json_hides_url_secrets_but_keeps_them_for_reading() -> None:
    url = f"ftp://alice:{SECRET}@host/a.csv"
    config = make_config(url, "out", schedule={"inbox": f"s3://k:{SECRET}@b/in"})
    shown = config.model_dump(mode="json")  # what Prefect stores as the flow's parameters
    assert shown["dataset"]["path"] == "ftp://alice:***@host/a.csv"
    assert shown["schedule"]["inbox"] == "s3://k:***@b/in"
    assert config.dataset.path == url and config.model_dump()["dataset"]["path"] == url
