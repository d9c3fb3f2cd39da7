"""Opaque cursors for keyset pagination: the position after the last item of a page."""

import base64
import json
from typing import Any

from core_ledger.errors import InvalidCursor

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *keys: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor("the cursor is not one this API issued") from error
    if not isinstance(position, dict) or set(position) != set(keys):
        raise InvalidCursor("the cursor is not one this API issued")
    return position
