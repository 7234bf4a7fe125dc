"""A config safe to show: no secret of a URL (user info, query string, fragment: signed mirror
addresses carry their tokens there) and no value of a key that names a secret."""

from __future__ import annotations

import re
from collections.abc import Mapping

from musiclust.data.download import redact_url

REDACTED = "[redacted]"
SECRET_KEYS = re.compile(r"(token|secret|password|passwd|api[_-]?key|credential|auth)", re.IGNORECASE)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


def redact_text(text: str) -> str:
    """Every URL in ``text`` without its secrets (the download logs' ``redact_url``), marked
    when something was taken out."""
    def clean(match: re.Match) -> str:
        url = match.group(0)
        safe = redact_url(url)
        return url if safe == url else f"{safe}{REDACTED}"
    return _URL.sub(clean, text)


def redact_config(value: object, key: str = "") -> object:
    """A copy of a config (nested mappings, lists, scalars) with secrets replaced by ``[redacted]``."""
    if isinstance(value, Mapping):
        return {k: redact_config(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_config(v, key) for v in value]
    if isinstance(value, str):
        return REDACTED if value and SECRET_KEYS.search(key) else redact_text(value)
    return value
