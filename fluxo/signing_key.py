"""The key that signs the API's access tokens: FLUXO_JWT_SECRET, or a random one kept under
FLUXO_HOME so that every API worker (and every restart) agrees on it."""

import os
import secrets
import time
from pathlib import Path

from fluxo.settings import Settings


def token_signing_key(settings: Settings) -> str:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path = settings.jwt_secret_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of several workers starting at once, one writes and the others read.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_when_written(path)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _read_when_written(path: Path) -> str:
    for _ in range(100):
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.01)
    raise RuntimeError(f"{path} stays empty; remove it and start again")
