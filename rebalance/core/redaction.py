"""Secrets out of URLs before they are shown, logged, stored or sent.

An fsspec URL may carry a password (``ftp://user:password@host/file.csv``) or a token in its
query string (``https://host/file.csv?token=...``). Every place that prints, logs, stores in
metadata or emits in an event a data location passes it through :func:`redact_url` first; the
URL itself is used as given only to open the file.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

# scheme://userinfo@ : the greedy userinfo stops at the last '@' before the path starts
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/?#\s]*)@")
# ?name=value or &name=value whose name says it holds a secret
_SECRET_PARAMETER = re.compile(
    r"(?P<lead>[?&;])(?P<name>[^=&#\s]*(?:token|secret|password|passwd|pwd|key|signature|sig|"
    r"credential|auth)[^=&#\s]*)=(?P<value>[^&#\s]*)",
    re.IGNORECASE,
)


def redact_url(text: str) -> str:
    """``text`` with every URL password and secret query value replaced by ``***``:
    ``s3://user:***@host/a.csv?token=***``. The user name and the rest are kept, so the
    location is still recognisable. Works on any text that contains URLs (error messages)."""
    text = _USERINFO.sub(_mask_userinfo, text)
    return _SECRET_PARAMETER.sub(lambda m: f"{m['lead']}{m['name']}={MASK}", text)


def _mask_userinfo(match: re.Match[str]) -> str:
    user, has_password, _ = match["userinfo"].partition(":")
    if not has_password:
        return match[0]  # a user name alone is no secret
    return f"{match['scheme']}{user}:{MASK}@"


def redact_values(value: Any) -> Any:
    """A copy of a JSON-like structure with :func:`redact_url` applied to every string."""
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, dict):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_values(item) for item in value]
    return value
