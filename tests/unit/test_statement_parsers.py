"""Statement file parsers: OFX 1.x/2.x through ofxtools, bank CSV layouts, and their field rules."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ingestion.documents import check_digits_cpf
from ingestion.statements.csv_layouts import ITAU
from ingestion.statements.models import (
    StatementFormat,
    StatementHeader,
    StatementLine,
    UnreadableStatement,
)
from ingestion.statements.parse import parse_statement
from ingestion.statements.transform import (
    LINE_COLUMNS,
    InvalidField,
    amount_to_minor,
    ledger_balance_matches,
    line_row,
    ofx_datetime_to_utc,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
OFX_SGML = "itau_conta_corrente_2026-11.ofx"
OFX_XML = "nubank_pj_2026-11.ofx"
ITAU_CSV = "itau_extrato_2026-11.csv"
BRADESCO_CSV = "bradesco_extrato_2026-11.csv"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_ofx_sgml_in_windows_1252_keeps_accents_and_reads_the_statement() -> None:
    content = fixture(OFX_SGML)
    assert b"CHARSET:1252" in content and "Ç".encode("cp1252") in content

    statement = parse_statement(content)

    header = statement.header
    assert header.format is StatementFormat.OFX_SGML
    assert (header.bank_id, header.branch_id, header.account_id) == ("0341", "1234", "56789-0")
    assert header.ledger_balance_minor == 674773
    assert header.ledger_balance_at == datetime(2026, 11, 8, 2, 59, 59, tzinfo=UTC)
    assert header.ledger_balance_date == date(2026, 11, 7)
    assert header.opening_balance_minor == 100000  # BALLIST "Saldo anterior"
    assert [line.amount_minor for line in statement.lines] == [
        150000,
        -8990,
        -41237,
        500000,
        -25000,
    ]
    assert statement.lines[0].fitid == "202611030000001"
    assert statement.lines[0].description == "PIX RECEBIDO - JOÃO DA CONCEIÇÃO"
    assert statement.lines[2].description == "PAGTO BOLETO - ENEL DISTRIBUIÇÃO SÃO PAULO"
    assert statement.lines[4].description == "PIX ENVIADO - PADARIA PÃO DE AÇÚCAR & CIA"
    assert [line.trntype for line in statement.lines] == [
        "CREDIT",
        "FEE",
        "PAYMENT",
        "XFER",
        "DEBIT",
    ]
    assert statement.rejected == ()
    assert ledger_balance_matches(statement, ()) is True


def test_late_evening_in_sao_paulo_is_the_next_day_in_utc_but_the_same_business_day() -> None:
    statement = parse_statement(fixture(OFX_SGML))

    fee = statement.lines[1]  # DTPOSTED 20261103220000[-3:GMT]
    assert fee.posted_at == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)
    assert fee.posted_date == date(2026, 11, 3)


def test_ofx_xml_reads_with_its_balance_unchecked_unless_the_account_history_is_whole() -> None:
    statement = parse_statement(fixture(OFX_XML))

    assert statement.header.format is StatementFormat.OFX_XML
    assert statement.header.account_id == "9876543-2"
    assert [line.amount_minor for line in statement.lines] == [200000, -73510, -12045, 327]
    # A bare date is a Brazilian business date, not midnight GMT (which is the day before here).
    assert statement.lines[0].posted_date == date(2026, 11, 2)
    assert statement.lines[0].posted_at == datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    assert "ATACADÃO DISTRIBUIÇÃO & CIA" in statement.lines[2].description
    assert ledger_balance_matches(statement, ()) is None
    assert ledger_balance_matches(statement, {"9876543-2"}) is True


def test_ofx_xml_declared_in_latin_1_is_read_although_ofxtools_expects_utf_8() -> None:
    content = fixture(OFX_XML).decode("utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')

    statement = parse_statement(content.encode("latin-1"))

    assert "Transferência" in statement.lines[0].description


def test_ofx_sgml_saying_no_charset_but_written_in_windows_1252_is_read() -> None:
    content = fixture(OFX_SGML).replace(b"CHARSET:1252", b"CHARSET:NONE")

    statement = parse_statement(content)

    assert statement.lines[0].description == "PIX RECEBIDO - JOÃO DA CONCEIÇÃO"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261103120000[-3:GMT]", datetime(2026, 11, 3, 15, 0, tzinfo=UTC)),
        ("20261103120000[-03:BRT]", datetime(2026, 11, 3, 15, 0, tzinfo=UTC)),
        ("20261103120000.250[-3:GMT]", datetime(2026, 11, 3, 15, 0, 0, 250000, tzinfo=UTC)),
        ("20261103120000[0:GMT]", datetime(2026, 11, 3, 12, 0, tzinfo=UTC)),
        ("20261103120000[-2:FNT]", datetime(2026, 11, 3, 14, 0, tzinfo=UTC)),
        ("20261103120000[+5.30:IST]", datetime(2026, 11, 3, 6, 30, tzinfo=UTC)),
        ("20261103120000[-5]", datetime(2026, 11, 3, 17, 0, tzinfo=UTC)),
        # No offset: Brazilian local time.
        ("20261103120000", datetime(2026, 11, 3, 15, 0, tzinfo=UTC)),
        ("20261103", datetime(2026, 11, 3, 3, 0, tzinfo=UTC)),
        ("20261103[-3:GMT]", datetime(2026, 11, 3, 3, 0, tzinfo=UTC)),
    ],
)
def test_ofx_date_times_with_offsets(text: str, expected: datetime) -> None:
    assert ofx_datetime_to_utc(text) == expected


@pytest.mark.parametrize(
    "text", ["20261103120000[-0300]", "20261332", "03/11/2026", "", "20261103120000[abc]"]
)
def test_unreadable_ofx_date_times_are_refused(text: str) -> None:
    with pytest.raises(InvalidField):
        ofx_datetime_to_utc(text)


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1500,00", None, 150000),
        ("-89,90", None, -8990),
        ("5000.00", None, 500000),
        ("-1.250,37", None, -125037),
        ("1,234.56", None, 123456),
        ("0,5", None, 50),
        ("-10.500", None, -1050),
        ("1.234,56", ",", 123456),
        ("R$ 1.234,56", ",", 123456),
        ("150,00-", ",", -15000),
        ("+2.500,00", ",", 250000),
        ("12345,67", ",", 1234567),
        ("1,234.56", ".", 123456),
    ],
)
def test_amounts_become_exact_centavos(text: str, separator: str | None, expected: int) -> None:
    assert amount_to_minor(text, decimal_separator=separator) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "separator"),
    [
        ("12,3O", ","),
        ("abc", None),
        ("", ","),
        ("NaN", None),
        ("Infinity", None),
        ("--5", None),
        ("-5-", ","),
        ("1e3", None),
        ("12.34", ","),  # in a decimal-comma layout this is not 1234
        ("1.2.3", None),
        ("1,005", None),  # a fraction of a centavo
    ],
)
def test_amounts_that_are_not_numbers_are_refused(text: str, separator: str | None) -> None:
    with pytest.raises(InvalidField):
        amount_to_minor(text, decimal_separator=separator)  # type: ignore[arg-type]


def test_itau_csv_with_bom_skips_balance_rows_and_checks_the_closing_balance() -> None:
    content = fixture(ITAU_CSV)
    assert content.startswith(b"\xef\xbb\xbf")

    statement = parse_statement(content)

    header = statement.header
    assert (header.format, header.layout, header.bank_id) == (StatementFormat.CSV, "itau", "341")
    assert (header.branch_id, header.account_id) == ("1234", "56789-0")
    assert header.opening_balance_minor == 321045
    assert header.ledger_balance_minor == 477545  # the last day's balance row
    assert header.ledger_balance_date == date(2026, 11, 4)
    assert [line.amount_minor for line in statement.lines] == [-12000, 8990, 250000, -85000, -5490]
    assert [line.line_number for line in statement.lines] == [7, 8, 10, 11, 12]
    assert statement.summary_rows == 3
    assert statement.rejected == ()
    assert statement.lines[0].posted_at == datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
    assert statement.lines[0].posted_date == date(2026, 11, 3)
    assert ledger_balance_matches(statement, ()) is True


def test_bradesco_csv_in_windows_1252_with_credit_debit_columns_and_a_total_row() -> None:
    statement = parse_statement(fixture(BRADESCO_CSV))

    header = statement.header
    assert header.layout == "bradesco"
    assert (header.branch_id, header.account_id) == ("3456", "0012345-6")
    assert statement.lines[0].description == "PIX RECEBIDO - JOSÉ ANTÔNIO"
    assert [line.amount_minor for line in statement.lines] == [
        35000,
        -6990,
        -41237,
        500000,
        -125000,
    ]
    assert [line.trntype for line in statement.lines][:2] == ["CREDIT", "DEBIT"]
    assert statement.summary_rows == 2  # "SALDO ANTERIOR" and "Total"
    assert header.ledger_balance_minor == 1611773  # the last line's running balance
    assert ledger_balance_matches(statement, ()) is True


def test_csv_line_whose_amount_is_not_a_number_is_rejected_with_its_reason() -> None:
    content = fixture(ITAU_CSV).replace(b"-54,90", b"-54,9O")

    statement = parse_statement(content)

    assert len(statement.lines) == 4
    [rejected] = statement.rejected
    assert rejected.line_number == 12
    assert rejected.payload == "04/11/2026;TAR PACOTE ITAU;;-54,9O;"
    assert "'-54,9O' is not a number" in rejected.reason
    # A line is missing from what will be loaded, and the balance check says so.
    assert ledger_balance_matches(statement, ()) is False


def test_csv_line_with_a_bad_date_or_too_many_fields_is_rejected() -> None:
    content = (
        fixture(ITAU_CSV)
        .replace(b"03/11/2026;PIX QRS", b"31/11/2026;PIX QRS")
        .replace(b"PAG BOLETO CONDOMINIO ED SOL;;-850,00;", b"PAG BOLETO;CONDOMINIO;;-850,00;1")
    )

    statement = parse_statement(content)

    reasons = {line.line_number: line.reason for line in statement.rejected}
    assert "date '31/11/2026' is not a date (dd/mm/yyyy)" in reasons[8]
    assert "has 6 fields where layout itau has 5" in reasons[11]
    assert len(statement.lines) == 3


def test_a_transaction_named_like_a_summary_row_is_still_a_transaction() -> None:
    content = fixture(ITAU_CSV).replace(b"TAR PACOTE ITAU", b"TOTAL PASS ACADEMIA")

    statement = parse_statement(content)

    assert statement.lines[-1].description == "TOTAL PASS ACADEMIA"
    assert ITAU.is_label("total", ITAU.summary_labels)


def test_ofx_line_with_an_unreadable_amount_is_rejected_and_the_rest_kept() -> None:
    content = fixture(OFX_SGML).replace(b"<TRNAMT>-412,37", b"<TRNAMT>-412,3x")

    statement = parse_statement(content)

    assert len(statement.lines) == 4
    [rejected] = statement.rejected
    assert rejected.line_number == 3
    assert "<FITID>202611040000003</FITID>" in rejected.payload
    assert "'-412,3x' is not a number" in rejected.reason


def test_ofx_line_without_a_date_is_rejected() -> None:
    content = fixture(OFX_XML).replace(b"<DTPOSTED>20261102</DTPOSTED>", b"")

    statement = parse_statement(content)

    assert [r.reason for r in statement.rejected] == ["missing DTPOSTED"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (fixture(OFX_SGML)[:900], "still open"),  # cut short mid-statement
        ((FIXTURES / "truncated.ofx").read_bytes(), "</BANKMSGSRSV1> found where </STMTTRN>"),
        (b"OFXHEADER:100\r\nDATA:OFXSGML\r\nnot ofx at all", "OFX header is malformed"),
        (fixture(OFX_XML).replace(b"<STMTRS>", b"<X>").replace(b"</STMTRS>", b"</X>"), "STMTRS"),
        (fixture(OFX_SGML).replace(b"<CODE>0", b"<CODE>2000", 1), "error status 2000"),
        (b"\x00\x01 binary", "no known CSV layout"),
        (b"Data;Descricao;Valor\r\n01/11/2026;PIX;10,00\r\n", "no known CSV layout"),
        (b"  \r\n", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_at_all_is_refused_with_its_reason(
    content: bytes, reason: str
) -> None:
    with pytest.raises(UnreadableStatement, match=reason):
        parse_statement(content)


def test_a_document_in_a_line_description_is_masked_in_its_row() -> None:
    cpf = check_digits_cpf("123456789")
    line = StatementLine(
        line_number=1,
        amount_minor=15_000,
        currency="BRL",
        posted_at=datetime(2026, 11, 2, 13, 0, tzinfo=UTC),
        posted_date=date(2026, 11, 2),
        description=f"PIX RECEBIDO {cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]} MARIA",
        trntype="CREDIT",
        reference=cpf,
    )
    row = dict(
        zip(LINE_COLUMNS, line_row("checksum", StatementHeader(format="csv"), line), strict=True)
    )

    assert row["description"] == "PIX RECEBIDO ***.456.789-** MARIA"
    assert row["reference"] == "***.456.789-**"
