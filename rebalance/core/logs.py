"""Keep domain errors to one line: their message already says it all.

Prefect reports a failed run three times (the task's final state, the flow's exception, the
flow's final state), each with the error's text; the CLI prints that text once itself. So the
console never shows a domain error's traceback, nor Prefect's lines repeating it; Prefect's
API (the UI's logs) still receives those lines, without the traceback.
"""

from __future__ import annotations

import logging
import re

from rebalance.core.errors import RebalanceError

# how Prefect's task and flow engines word a failed final state: "... encountered an
# exception InputError: ..." (task) and "... encountered an exception: InputError: ..." (flow)
_FAILED_STATE = re.compile(r"encountered an exception:? (\w+):")


# set on a record whose domain error's traceback was dropped (the record may reach the
# console handler after another handler's filter removed its exc_info)
DOMAIN_ERROR_MARK = "rebalance_domain_error"


class DropDomainTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RebalanceError):
            record.exc_info = None
            record.exc_text = None
            setattr(record, DOMAIN_ERROR_MARK, True)
        return True


class DropRepeatedDomainErrors(logging.Filter):
    """Console only: drops Prefect's lines that repeat a domain error the CLI prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RebalanceError):
            return False
        if getattr(record, DOMAIN_ERROR_MARK, False):
            return False
        found = _FAILED_STATE.search(str(record.msg))
        return found is None or found.group(1) not in _domain_error_names()


def _domain_error_names() -> set[str]:
    names, pending = set(), [RebalanceError]
    while pending:
        kind = pending.pop()
        names.add(kind.__name__)
        pending.extend(kind.__subclasses__())
    return names


def quiet_domain_tracebacks(console: bool = False) -> None:
    """Attach the filters to every handler of the root and Prefect loggers (call after
    importing Prefect). ``console``: also drop, from stream handlers, Prefect's lines that
    repeat a domain error (for a caller that prints the error itself, the CLI)."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name in list(logging.Logger.manager.loggerDict)
        if name.startswith("prefect")
    ]
    for logger in loggers:
        for handler in logger.handlers:
            _add_once(handler, DropDomainTracebacks)
            if console and isinstance(handler, logging.StreamHandler):
                _add_once(handler, DropRepeatedDomainErrors)


def _add_once(handler: logging.Handler, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in handler.filters):
        handler.addFilter(kind())
