"""CPF and CNPJ handling shared by every source: tokenize (validation and masking re-exported).

Clear document numbers never land in the warehouse outside `raw.kyc_documents_restricted`: every
other table carries `tokenize(document, key)`, an HMAC-SHA256 of the normalised document under a
secret key. A plain hash would not do: there are only 10^9 CPFs, so an unkeyed hash of one is
reversed by enumeration in minutes. Every source must tokenize with the same key, so that tokens
join across sources.

The key (`document_token_key`):
- `FLUXO_DOCUMENT_TOKEN_KEY` when set (at least 32 characters);
- otherwise, with the embedded demo warehouse (FLUXO_WAREHOUSE_URL unset), a random key generated
  once and kept in $FLUXO_HOME/document-token-key (mode 0600), so every run and process of the
  demo agrees on it, as fluxo/signing_key.py does for the API's JWT secret;
- otherwise (a real warehouse) it fails: a key generated on one machine would give tokens that
  differ from every other machine's, silently breaking joins, and losing the file would orphan
  every token already loaded.
"""

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

# Validation and masking are the domain's (core_ledger.documents, which the ledger uses without
# depending on ingestion); sources import them from here beside the tokens, as before.
from core_ledger.documents import CNPJ_LENGTH as CNPJ_LENGTH
from core_ledger.documents import CPF_LENGTH as CPF_LENGTH
from core_ledger.documents import Document as Document
from core_ledger.documents import DocumentKind as DocumentKind
from core_ledger.documents import InvalidDocument as InvalidDocument
from core_ledger.documents import check_digits_cnpj as check_digits_cnpj
from core_ledger.documents import check_digits_cpf as check_digits_cpf
from core_ledger.documents import is_valid_document as is_valid_document
from core_ledger.documents import mask_document as mask_document
from core_ledger.documents import mask_documents_in_text as mask_documents_in_text
from core_ledger.documents import normalize_document as normalize_document
from core_ledger.documents import validate_document as validate_document
from fluxo.settings import Settings

TOKEN_KEY_ENV = "FLUXO_DOCUMENT_TOKEN_KEY"
TOKEN_KEY_FILE_NAME = "document-token-key"
MIN_KEY_LENGTH = 32


class TokenKeyError(RuntimeError):
    """No usable key to tokenize documents with; the message says how to set one."""


def tokenize(document: str, key: str | bytes) -> str:
    """The document's token: HMAC-SHA256 (hex) of its normalised form, so '123.456.789-09' and
    '12345678909' get the same token. Invalid documents get one too, for quarantine keys."""
    return keyed_hash(normalize_document(document), key)


def keyed_hash(text: str, key: str | bytes) -> str:
    """HMAC-SHA256 (hex) of `text` exactly as given: the token of anything already normalised
    (a document, an e-mail, a phone number), under the one key every source shares."""
    if isinstance(key, str):
        key = key.encode()
    if len(key) < MIN_KEY_LENGTH:
        raise TokenKeyError(
            f"the document token key must be at least {MIN_KEY_LENGTH} characters long"
        )
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def document_token_key(settings: Settings | None = None) -> str:
    """The key to tokenize documents with (see the module docstring for where it comes from)."""
    configured = os.environ.get(TOKEN_KEY_ENV, "").strip()
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise TokenKeyError(
                f"{TOKEN_KEY_ENV} is shorter than {MIN_KEY_LENGTH} characters; set a longer "
                'secret, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )
        return configured
    settings = settings or Settings()
    if settings.warehouse_url is not None:
        raise TokenKeyError(
            f"{TOKEN_KEY_ENV} is unset and FLUXO_WAREHOUSE_URL points at a real warehouse; set it "
            "to the secret every source shares, e.g. from "
            'python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return _demo_key(settings.home_dir / TOKEN_KEY_FILE_NAME)


def _demo_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of several processes starting at once, one writes and the others read.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.01)
        raise TokenKeyError(f"{path} stays empty; remove it and start again") from None
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_hex(32))
    return path.read_text().strip()
