"""CPF and CNPJ as the domain knows them: normalise, validate, mask. Pure functions, shared by
the ledger (onboarding, transfer counterparties) and every warehouse source (ingestion.documents
adds the keyed tokens). Validation follows DOMAIN.md: check digits by validate-docbr, numbers of
one repeated digit refused, the alphanumeric CNPJ of July 2026 accepted, masked input accepted."""

import re
from dataclasses import dataclass
from typing import Literal

from validate_docbr import CNPJ, CPF

DocumentKind = Literal["cpf", "cnpj"]

CPF_LENGTH = 11
CNPJ_LENGTH = 14

_NOT_DOCUMENT_CHARACTER = re.compile(r"[^0-9A-Z]")
# Candidates inside free text (provider messages, partner lists), masked or not; each is replaced
# only if its check digits hold, so an ordinary number or word is left alone.
_CNPJ_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?[0-9]{2}(?![0-9A-Za-z])"
)
_CPF_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[0-9]{3}\.?[0-9]{3}\.?[0-9]{3}-?[0-9]{2}(?![0-9A-Za-z])"
)


class InvalidDocument(ValueError):
    """A value that is not a valid CPF or CNPJ; the message says why, without the value."""


@dataclass(frozen=True)
class Document:
    """A validated document, normalised: digits only for a CPF, uppercase [0-9A-Z] for a CNPJ."""

    kind: DocumentKind
    value: str

    def __repr__(self) -> str:
        # Keeps the clear value out of logs and tracebacks that print the object.
        return f"Document(kind={self.kind!r}, value={mask_document(self.value)!r})"

    @property
    def masked(self) -> str:
        return mask_document(self.value)


def normalize_document(value: str) -> str:
    """Uppercase, only ASCII letters and digits kept: '12.345.678/0001-95' -> '12345678000195'."""
    return _NOT_DOCUMENT_CHARACTER.sub("", value.strip().upper())


def validate_document(value: str, kind: DocumentKind) -> Document:
    """The normalised document, or InvalidDocument saying what is wrong with it."""
    normalized = normalize_document(value)
    if kind == "cpf":
        if len(normalized) != CPF_LENGTH or not normalized.isdigit():
            raise InvalidDocument(f"a CPF has 11 digits; got {_shape(normalized)}")
        if len(set(normalized)) == 1:
            raise InvalidDocument("a CPF of one repeated digit is not a valid CPF")
        if not CPF().validate(normalized):
            raise InvalidDocument("CPF check digits do not match")
    else:
        if len(normalized) != CNPJ_LENGTH:
            raise InvalidDocument(f"a CNPJ has 14 characters; got {_shape(normalized)}")
        if not normalized[-2:].isdigit():
            raise InvalidDocument("a CNPJ's two check digits are digits, even when alphanumeric")
        if len(set(normalized)) == 1:
            raise InvalidDocument("a CNPJ of one repeated character is not a valid CNPJ")
        if not CNPJ().validate(normalized):
            raise InvalidDocument("CNPJ check digits do not match")
    return Document(kind, normalized)


def validate_cpf_or_cnpj(value: str) -> Document:
    """A document whose kind the caller does not say: 11 characters once normalised make a CPF,
    14 a CNPJ; InvalidDocument for any other length or failed check."""
    normalized = normalize_document(value)
    if len(normalized) == CPF_LENGTH:
        return validate_document(normalized, "cpf")
    if len(normalized) == CNPJ_LENGTH:
        return validate_document(normalized, "cnpj")
    raise InvalidDocument(f"a CPF has 11 digits and a CNPJ 14 characters; got {_shape(normalized)}")


def is_valid_document(value: str, kind: DocumentKind) -> bool:
    try:
        validate_document(value, kind)
    except InvalidDocument:
        return False
    return True


def _shape(normalized: str) -> str:
    letters = sum(1 for c in normalized if c.isalpha())
    return f"{len(normalized)} characters" + (f", {letters} of them letters" if letters else "")


def mask_document(value: str) -> str:
    """A masked form for people to recognise a document by, never enough to recover it.

    CPF: the middle six digits, as the Receita publishes partner CPFs ('***.456.789-**').
    CNPJ: only the branch number ('**.***.***/0001-**'). Anything else: all stars."""
    normalized = normalize_document(value)
    if len(normalized) == CPF_LENGTH:
        return f"***.{normalized[3:6]}.{normalized[6:9]}-**"
    if len(normalized) == CNPJ_LENGTH:
        return f"**.***.***/{normalized[8:12]}-**"
    return "*" * len(normalized)


def mask_documents_in_text(text: str) -> str:
    """`text` with every valid CPF or CNPJ in it, masked or not, replaced by its masked form."""

    def cnpj(match: re.Match[str]) -> str:
        found = match.group(0)
        return mask_document(found) if is_valid_document(found, "cnpj") else found

    def cpf(match: re.Match[str]) -> str:
        found = match.group(0)
        return mask_document(found) if is_valid_document(found, "cpf") else found

    return _CPF_IN_TEXT.sub(cpf, _CNPJ_IN_TEXT.sub(cnpj, text))


def check_digits_cpf(base: str) -> str:
    """The CPF completed with its two check digits, from its first nine digits."""
    if len(base) != 9 or not base.isdigit():
        raise ValueError("a CPF base is 9 digits")
    digits = [int(c) for c in base]
    for _ in range(2):
        total = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        digits.append(total * 10 % 11 % 10)
    return "".join(str(d) for d in digits)


def check_digits_cnpj(base: str) -> str:
    """The CNPJ completed with its two check digits, from its first twelve characters (digits or,
    for the alphanumeric CNPJ, uppercase letters: each worth its code point minus 48)."""
    base = base.upper()
    if len(base) != 12 or _NOT_DOCUMENT_CHARACTER.search(base):
        raise ValueError("a CNPJ base is 12 characters from [0-9A-Z]")
    values = [ord(c) - 48 for c in base]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        remainder = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
        values.append(0 if remainder < 2 else 11 - remainder)
    return base + "".join(str(v) for v in values[12:])
