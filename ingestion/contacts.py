"""Contact data (e-mail, phone) as tokens: normalised first, so that the same contact typed two
ways gets one token, then keyed-hashed with the documents' key (ingestion.documents), so that
tokens join across sources and customers sharing a contact can be found (AML rule 12)."""

import re

from ingestion.documents import keyed_hash

BRAZIL_COUNTRY_CODE = "55"
# A Brazilian number without its country code: area code (2) + 8 (landline) or 9 (mobile) digits.
_NATIONAL_LENGTHS = (10, 11)


def normalize_email(email: str) -> str:
    """Trimmed and lowercase: 'Ana@Example.COM ' -> 'ana@example.com'."""
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    """Digits only, with Brazil's country code when the number has none:
    '(11) 98765-4321' and '+55 11 98765-4321' -> '5511987654321'."""
    # A leading 0 is the trunk prefix of long-distance dialling ('011 ...'), not part of it.
    digits = re.sub(r"[^0-9]", "", phone).lstrip("0")
    if len(digits) in _NATIONAL_LENGTHS:
        return BRAZIL_COUNTRY_CODE + digits
    return digits


def email_token(email: str | None, key: str) -> str | None:
    return keyed_hash(normalize_email(email), key) if email and email.strip() else None


def phone_token(phone: str | None, key: str) -> str | None:
    normalized = normalize_phone(phone) if phone else ""
    return keyed_hash(normalized, key) if normalized else None
