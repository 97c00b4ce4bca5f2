"""Keep tracebacks of domain errors out of the logs: their message already says it all."""

from __future__ import annotations

import logging

from rebalance.core.errors import RebalanceError


class DropDomainTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RebalanceError):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_domain_tracebacks() -> None:
    """Attach the filter to every handler of the Prefect loggers (call after importing it)."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name in list(logging.Logger.manager.loggerDict)
        if name.startswith("prefect")
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, DropDomainTracebacks) for f in handler.filters):
                handler.addFilter(DropDomainTracebacks())
