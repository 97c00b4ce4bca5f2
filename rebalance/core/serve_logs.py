"""Quiet logs for ``rebalance serve``: one line per expected failure, no submission noise.

Served runs execute in child processes that configure logging from Prefect's settings file, so
the filters travel as a logging config file (``PREFECT_LOGGING_SETTINGS_PATH``): Prefect's
own config with :class:`rebalance.core.logs.DropDomainTracebacks` on every handler. A gate
refusal or a bad input file then shows its one-line message, without the traceback Prefect
attaches at each level (task, subflow, flow).

"Aborted submission of flow run ...: Server returned a non-pending state 'SCHEDULED'" is what
Prefect's runner logs, at every poll, for each run the deployment's concurrency limit holds
back (one ``rebalance-spec`` run per dataset; a queued run waits, it is not lost). Each
held-back run is explained once instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import yaml

# only this variant means "held back by a concurrency limit"; "Server sent an abort signal"
# (a run cancelled or deleted meanwhile) is left as Prefect words it
ABORTED = re.compile(r"Aborted submission of flow run .*non-pending state")
_RUN_ID = re.compile(r"flow run '?([0-9a-f-]{36})'?")
DOMAIN_FILTER = "rebalance_domain_tracebacks"
SEEN_LIMIT = 10_000


class ExplainAbortedSubmissions(logging.Filter):
    """Say once per run why it waits; drop the repeats."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not ABORTED.match(message):
            return True
        found = _RUN_ID.search(message)
        run = found.group(1) if found else "?"
        if run in self.seen:
            return False
        if len(self.seen) >= SEEN_LIMIT:
            self.seen.clear()
        self.seen.add(run)
        record.msg = (
            f"flow run {run} waits for its deployment's concurrency slot (another run of it "
            "is in progress); it stays queued and starts when the slot is free"
        )
        record.args = ()
        return True


def quiet_logging_config(prefect_default: str) -> str:
    """Prefect's logging config (its YAML text) with domain-error tracebacks dropped by every
    handler, as YAML for ``PREFECT_LOGGING_SETTINGS_PATH``."""
    config: dict[str, Any] = yaml.safe_load(prefect_default)
    config.setdefault("filters", {})[DOMAIN_FILTER] = {
        "()": "rebalance.core.logs.DropDomainTracebacks"
    }
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), DOMAIN_FILTER]
    return yaml.safe_dump(config, sort_keys=False)
