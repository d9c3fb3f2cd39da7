"""Read OFX 1.x (SGML) and 2.x (XML) bank and credit-card statements, through ofxtools."""

import codecs
import io
import re
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax import saxutils

from ofxtools.Parser import OFXTree, ParseError, TreeBuilder
from pydantic import ValidationError

from ingestion.business_day import business_date
from ingestion.statements.models import (
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementHeader,
    StatementLine,
    UnreadableStatement,
)
from ingestion.statements.transform import (
    InvalidField,
    amount_to_minor,
    normalize_label,
    ofx_datetime_to_utc,
)

_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"'](?P<encoding>[\w.-]+)[\"']")
_SGML_CHARSET = re.compile(rb"CHARSET:\s*[\w-]+")
_OPENING_BALANCE_NAMES = re.compile(r"saldo anterior|saldo inicial|opening balance")


def looks_like_ofx(content: bytes) -> bool:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"OFXHEADER", b"<?xml", b"<?OFX", b"<OFX"))


def parse_ofx(content: bytes) -> ParsedStatement:
    """One statement (bank or credit card) with its lines; a line that cannot be read is rejected
    with its reason, and a file that cannot be read at all raises UnreadableStatement."""
    # A UTF-8 byte-order mark hides the XML declaration from ofxtools' header sniffing.
    root, statement_format = _element_tree(content.removeprefix(codecs.BOM_UTF8))
    _check_status(root)
    statements = root.findall(".//STMTRS") + root.findall(".//CCSTMTRS")
    if not statements:
        raise UnreadableStatement("OFX file holds no bank or credit-card statement (STMTRS)")
    if len(statements) > 1:
        # One header row per file keeps the balance check meaningful; banks export one account
        # per file, and a multi-account file is rare enough to split by hand.
        raise UnreadableStatement(
            f"OFX file holds {len(statements)} statements; one statement per file is supported"
        )
    statement = statements[0]
    header = _header(statement, statement_format)
    lines: list[StatementLine] = []
    rejected: list[RejectedLine] = []
    for number, transaction in enumerate(statement.iterfind("BANKTRANLIST/STMTTRN"), start=1):
        try:
            lines.append(_line(number, transaction, header.currency))
        except (InvalidField, ValidationError) as error:
            rejected.append(
                RejectedLine(
                    line_number=number,
                    payload=ET.tostring(transaction, encoding="unicode"),
                    reason=_reason(error),
                )
            )
    return ParsedStatement(header=header, lines=tuple(lines), rejected=tuple(rejected))


class _BalancedTreeBuilder(TreeBuilder):
    """ofxtools' builder, refusing end tags that close something not open and aggregates left
    open at the end: ElementTree's C builder accepts both, so a truncated file would read as a
    shorter statement and lose its tail silently."""

    def __init__(self) -> None:
        super().__init__()
        self._open: list[str] = []

    def start(self, tag: Any, attrs: Any) -> ET.Element:
        self._open.append(tag)
        return super().start(tag, attrs)

    def end(self, tag: Any) -> ET.Element:
        if not self._open or self._open[-1] != tag:
            expected = f"</{self._open[-1]}>" if self._open else "nothing"
            raise ParseError(f"</{tag}> found where {expected} was expected")
        self._open.pop()
        return super().end(tag)

    def close(self) -> ET.Element:
        if self._open:
            raise ParseError(f"file ends with <{self._open[-1]}> still open (truncated?)")
        return super().close()


def _element_tree(content: bytes) -> tuple[ET.Element, StatementFormat]:
    tree = OFXTree()
    try:
        try:
            tree.parse(io.BytesIO(content), parser=_BalancedTreeBuilder())
        except UnicodeDecodeError:
            tree.parse(io.BytesIO(_reencoded(content)), parser=_BalancedTreeBuilder())
        # ElementTree's own checks on unbalanced tags are assertions.
    except (SyntaxError, ValueError, KeyError, AssertionError, UnicodeError) as error:
        raise UnreadableStatement(f"not a readable OFX file: {error}".strip()) from error
    root = tree.getroot()
    if root is None or root.tag != "OFX":
        raise UnreadableStatement("not a readable OFX file: no <OFX> root element")
    version = int(getattr(tree.header, "version", 102))
    return root, StatementFormat.OFX_XML if version >= 200 else StatementFormat.OFX_SGML


def _reencoded(content: bytes) -> bytes:
    """Files whose bytes do not match the declared charset, a common fault of bank exports:
    OFX 2 declared in latin-1 (ofxtools reads 2.x as UTF-8 only), or OFX 1 saying CHARSET NONE
    while written in Windows-1252. Transcode to what the header says, keeping every character."""
    declared = _XML_DECLARATION.match(content)
    if declared:
        encoding = declared["encoding"].decode("ascii")
        return content.decode(encoding).encode("utf-8")
    # cp1252 leaves five bytes undefined; latin-1 maps them, so nothing is refused here.
    text = content.decode("cp1252", errors="strict") if _is_cp1252(content) else None
    if text is None:
        return _SGML_CHARSET.sub(b"CHARSET:ISO-8859-1", content, count=1)
    return _SGML_CHARSET.sub(b"CHARSET:1252", content, count=1)


def _is_cp1252(content: bytes) -> bool:
    try:
        content.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _check_status(root: ET.Element) -> None:
    for status in root.iterfind(".//STATUS"):
        code = _text(status, "CODE")
        if code not in (None, "0"):
            message = _text(status, "MESSAGE") or ""
            raise UnreadableStatement(f"OFX response carries error status {code} {message}".strip())


def _header(statement: ET.Element, statement_format: StatementFormat) -> StatementHeader:
    try:
        account = statement.find("BANKACCTFROM")
        if account is None:
            account = statement.find("CCACCTFROM")
        ledger_at_text = _text(statement, "LEDGERBAL/DTASOF")
        ledger_at = ofx_datetime_to_utc(ledger_at_text) if ledger_at_text else None
        ledger_amount = _text(statement, "LEDGERBAL/BALAMT")
        start = _text(statement, "BANKTRANLIST/DTSTART")
        end = _text(statement, "BANKTRANLIST/DTEND")
        return StatementHeader(
            format=statement_format,
            bank_id=_text(account, "BANKID") if account is not None else None,
            branch_id=_text(account, "BRANCHID") if account is not None else None,
            account_id=_text(account, "ACCTID") if account is not None else None,
            currency=(_text(statement, "CURDEF") or "BRL").upper(),
            period_start_at=ofx_datetime_to_utc(start) if start else None,
            period_end_at=ofx_datetime_to_utc(end) if end else None,
            opening_balance_minor=_stated_opening_balance(statement),
            ledger_balance_minor=(
                amount_to_minor(ledger_amount, decimal_separator=None) if ledger_amount else None
            ),
            ledger_balance_at=ledger_at,
            ledger_balance_date=business_date(ledger_at) if ledger_at else None,
        )
    except (InvalidField, ValidationError) as error:
        raise UnreadableStatement(f"OFX statement header: {_reason(error)}") from error


def _stated_opening_balance(statement: ET.Element) -> int | None:
    """Some banks list the previous balance among the statement's BALLIST balances."""
    for balance in statement.iterfind("BALLIST/BAL"):
        name = normalize_label(_text(balance, "NAME") or "")
        value = _text(balance, "VALUE")
        if value and _OPENING_BALANCE_NAMES.fullmatch(name):
            return amount_to_minor(value, decimal_separator=None)
    return None


def _line(number: int, transaction: ET.Element, default_currency: str) -> StatementLine:
    trntype = _text(transaction, "TRNTYPE")
    posted = _text(transaction, "DTPOSTED")
    amount = _text(transaction, "TRNAMT")
    missing = [
        name
        for name, value in (("TRNTYPE", trntype), ("DTPOSTED", posted), ("TRNAMT", amount))
        if not value
    ]
    if missing or trntype is None or posted is None or amount is None:
        raise InvalidField(f"missing {', '.join(missing)}")
    posted_at = ofx_datetime_to_utc(posted)
    # A line in another currency names it; the amount is then in that currency (OFX 11.4.4).
    currency = (
        _text(transaction, "CURRENCY/CURSYM")
        or _text(transaction, "ORIGCURRENCY/CURSYM")
        or default_currency
    )
    return StatementLine(
        line_number=number,
        amount_minor=amount_to_minor(amount, decimal_separator=None),
        currency=currency.upper(),
        posted_at=posted_at,
        posted_date=business_date(posted_at),
        description=_description(_text(transaction, "NAME"), _text(transaction, "MEMO")),
        trntype=trntype.upper(),
        fitid=_text(transaction, "FITID"),
        reference=_text(transaction, "CHECKNUM") or _text(transaction, "REFNUM"),
    )


def _description(name: str | None, memo: str | None) -> str:
    """NAME and MEMO together; banks often repeat one in the other, so a repeat is said once."""
    parts = [part for part in (name, memo) if part]
    if len(parts) == 2 and (parts[1] in parts[0] or parts[0] in parts[1]):
        return max(parts, key=len)
    return " - ".join(parts)


def _text(element: ET.Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    # The OFX tag soup keeps entities escaped (OFX 1.x section 2.3 lists &amp; &lt; &gt; &nbsp;).
    value = saxutils.unescape(found.text, {"&nbsp;": " ", "&apos;": "'", "&quot;": '"'}).strip()
    return value or None


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    return str(error)
