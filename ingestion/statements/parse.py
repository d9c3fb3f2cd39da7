"""Read a statement file of any supported format: OFX 1.x/2.x, or a known bank CSV layout."""

from ingestion.statements.csv_layouts import LAYOUTS, CsvLayout
from ingestion.statements.csv_parser import parse_csv
from ingestion.statements.models import ParsedStatement, UnreadableStatement
from ingestion.statements.ofx import looks_like_ofx, parse_ofx


def parse_statement(content: bytes, layouts: tuple[CsvLayout, ...] = LAYOUTS) -> ParsedStatement:
    """The format is told by content, not by file name: banks name exports inconsistently."""
    if not content.strip():
        raise UnreadableStatement("the file is empty")
    if looks_like_ofx(content):
        return parse_ofx(content)
    return parse_csv(content, layouts)
