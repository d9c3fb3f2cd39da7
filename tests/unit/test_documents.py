"""CPF/CNPJ normalisation, validation, masking and tokenization."""

from pathlib import Path

import pytest

from ingestion.documents import (
    TOKEN_KEY_ENV,
    InvalidDocument,
    TokenKeyError,
    check_digits_cnpj,
    check_digits_cpf,
    document_token_key,
    is_valid_document,
    mask_document,
    mask_documents_in_text,
    normalize_document,
    tokenize,
    validate_document,
)

KEY = "k" * 32
CPF = "52998224725"
CNPJ = "11222333000181"
ALPHANUMERIC_CNPJ = "12ABC34501DE35"  # the Receita's own example


def test_normalize_strips_punctuation_and_uppercases() -> None:
    assert normalize_document(" 529.982.247-25 ") == CPF
    assert normalize_document("12.abc.345/01de-35") == ALPHANUMERIC_CNPJ


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("529.982.247-25", "cpf"),
        (CPF, "cpf"),
        ("11.222.333/0001-81", "cnpj"),
        ("12.ABC.345/01DE-35", "cnpj"),
        ("12abc34501de35", "cnpj"),
    ],
)
def test_valid_documents(value: str, kind: str) -> None:
    assert validate_document(value, kind).value == normalize_document(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "kind", "why"),
    [
        ("529.982.247-24", "cpf", "check digits"),
        ("111.111.111-11", "cpf", "repeated"),
        ("000.000.000-00", "cpf", "repeated"),
        ("5299822472", "cpf", "11 digits"),
        ("529982247250", "cpf", "11 digits"),
        ("11.222.333/0001-82", "cnpj", "check digits"),
        ("00.000.000/0000-00", "cnpj", "repeated"),
        ("12ABC34501DE3X", "cnpj", "check digits are digits"),
        ("12ABC34501DE36", "cnpj", "check digits"),
        ("1122233300018", "cnpj", "14 characters"),
    ],
)
def test_invalid_documents_say_why_without_the_value(value: str, kind: str, why: str) -> None:
    with pytest.raises(InvalidDocument, match=why) as raised:
        validate_document(value, kind)  # type: ignore[arg-type]
    assert normalize_document(value) not in str(raised.value)


def test_check_digit_generation_agrees_with_validate_docbr() -> None:
    assert check_digits_cpf(CPF[:9]) == CPF
    assert check_digits_cnpj(CNPJ[:12]) == CNPJ
    assert check_digits_cnpj(ALPHANUMERIC_CNPJ[:12]) == ALPHANUMERIC_CNPJ
    for seed in range(1, 100):
        base = f"{seed * 7919:09d}"
        assert is_valid_document(check_digits_cpf(base), "cpf"), base
        assert is_valid_document(check_digits_cnpj(f"{seed:04d}AB{seed * 31:06d}"), "cnpj")


def test_masks_never_show_enough_to_recover_the_document() -> None:
    assert mask_document("529.982.247-25") == "***.982.247-**"
    assert mask_document(CNPJ) == "**.***.***/0001-**"
    text = f"CNPJ {CNPJ} e 11.222.333/0001-81, sócio 529.982.247-25; pedido 12345678901"
    masked = mask_documents_in_text(text)
    assert CNPJ not in normalize_document(masked)
    assert CPF not in normalize_document(masked)
    assert "12345678901" in masked  # not a valid CPF: left alone


def test_tokens_are_keyed_and_ignore_formatting() -> None:
    token = tokenize("529.982.247-25", KEY)
    assert token == tokenize(CPF, KEY.encode())
    assert len(token) == 64 and CPF not in token
    assert token != tokenize(CPF, "x" * 32)
    assert tokenize(CNPJ, KEY) != tokenize(ALPHANUMERIC_CNPJ, KEY)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(TokenKeyError, match="at least 32"):
        tokenize(CPF, "short")


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLUXO_HOME", str(tmp_path))
    monkeypatch.setenv(TOKEN_KEY_ENV, KEY)
    monkeypatch.setenv("FLUXO_WAREHOUSE_URL", "postgresql+psycopg://warehouse.example/w")
    assert document_token_key() == KEY
    monkeypatch.setenv(TOKEN_KEY_ENV, "too-short")
    with pytest.raises(TokenKeyError, match="shorter than 32"):
        document_token_key()


def test_a_real_warehouse_without_a_key_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLUXO_HOME", str(tmp_path))
    monkeypatch.delenv(TOKEN_KEY_ENV, raising=False)
    monkeypatch.setenv("FLUXO_WAREHOUSE_URL", "postgresql+psycopg://warehouse.example/w")
    with pytest.raises(TokenKeyError, match=f"{TOKEN_KEY_ENV} is unset") as raised:
        document_token_key()
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "document-token-key").exists()


def test_the_embedded_demo_keeps_one_generated_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLUXO_HOME", str(tmp_path))
    monkeypatch.delenv(TOKEN_KEY_ENV, raising=False)
    monkeypatch.delenv("FLUXO_WAREHOUSE_URL", raising=False)
    first = document_token_key()
    assert len(first) >= 32
    assert document_token_key() == first
    key_file = tmp_path / "document-token-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
