"""Pydantic records of the KYC provider's answers: BrasilAPI CNPJ lookups and CPF status checks.

The provider's payloads drift from its published schema: numbers arrive as strings and strings as
numbers (cep, cnae_fiscal, capital_social), lists arrive as null, dates as '' or dd/mm/yyyy,
fields go missing or are renamed (`situacao_cadastral` sent as its description). These models
read whatever can be read unambiguously and keep unknown fields (`extra="allow"`), so the raw
payload stays whole; only an answer without what identifies it (a company name, a CPF status) is
unreadable.
"""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

# Receita Federal codes of `situacao_cadastral`.
CNPJ_SITUACOES = {1: "NULA", 2: "ATIVA", 3: "SUSPENSA", 4: "INAPTA", 8: "BAIXADA"}
CPF_SITUACOES = frozenset(
    {
        "REGULAR",
        "SUSPENSA",
        "CANCELADA",
        "PENDENTE DE REGULARIZACAO",
        "NULA",
        "TITULAR FALECIDO",
    }
)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text(value: Any) -> Any:
    """Numbers sent where text is expected become text; blanks become None."""
    value = _blank_to_none(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _digits_text(width: int) -> Any:
    """A code of `width` digits (cep, cnae) sent as a number (leading zeros lost) or punctuated."""

    def parse(value: Any) -> Any:
        value = _blank_to_none(value)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value).zfill(width)
        if isinstance(value, str):
            digits = re.sub(r"[^0-9]", "", value)
            return digits.zfill(width) if digits else None
        return value

    return parse


def _date(value: Any) -> Any:
    """ISO dates, the dd/mm/yyyy the Receita prints, and '' or '0000-00-00' for none."""
    value = _blank_to_none(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("0000"):
        return None
    if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        return datetime.strptime(text, "%d/%m/%Y").date()
    return text[:10]


def _decimal(value: Any) -> Any:
    """Amounts as numbers, '150000.00', or with the Brazilian decimal comma ('150.000,00')."""
    value = _blank_to_none(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip().replace("R$", "").strip()
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            return Decimal(text)
        except InvalidOperation as error:
            raise ValueError(f"not an amount: {value!r}") from error
    return value


def _flag(value: Any) -> Any:
    """Booleans, and the 'S'/'N', 'SIM'/'NAO' the Receita's files use."""
    value = _blank_to_none(value)
    if isinstance(value, str):
        word = plain_upper(value)
        if word in ("S", "SIM", "TRUE"):
            return True
        if word in ("N", "NAO", "FALSE"):
            return False
    return value


def _list(value: Any) -> Any:
    return [] if value is None else value


def plain_upper(text: str) -> str:
    """Uppercase without accents: 'Pendente de regularização' -> 'PENDENTE DE REGULARIZACAO'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).upper().split())


Text = Annotated[str | None, BeforeValidator(_text)]
IsoDate = Annotated[date | None, BeforeValidator(_date)]
Amount = Annotated[Decimal | None, BeforeValidator(_decimal)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]
Cnae = Annotated[str | None, BeforeValidator(_digits_text(7))]
Cep = Annotated[str | None, BeforeValidator(_digits_text(8))]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class SecondaryCnae(_Lenient):
    codigo: Cnae = None
    descricao: Text = None


class Partner(_Lenient):
    """A partner (sócio) of the `qsa` list; partner CPFs arrive masked by the provider."""

    nome_socio: Text = Field(default=None, validation_alias=AliasChoices("nome_socio", "nome"))
    cnpj_cpf_do_socio: Text = None
    qualificacao_socio: Text = Field(
        default=None, validation_alias=AliasChoices("qualificacao_socio", "qual")
    )
    data_entrada_sociedade: IsoDate = None


class CnpjRecord(_Lenient):
    """A company as the registry describes it (`GET /api/cnpj/v1/{cnpj}` with 200)."""

    cnpj: Text = None
    razao_social: str = Field(
        validation_alias=AliasChoices("razao_social", "nome_empresarial", "nome")
    )
    nome_fantasia: Text = Field(
        default=None, validation_alias=AliasChoices("nome_fantasia", "fantasia")
    )
    situacao_cadastral: int | None = None
    descricao_situacao_cadastral: Text = Field(
        default=None,
        validation_alias=AliasChoices("descricao_situacao_cadastral", "situacao"),
    )
    data_situacao_cadastral: IsoDate = None
    motivo_situacao_cadastral: Text = Field(
        default=None,
        validation_alias=AliasChoices(
            "descricao_motivo_situacao_cadastral", "motivo_situacao_cadastral"
        ),
    )
    cnae_fiscal: Cnae = Field(
        default=None, validation_alias=AliasChoices("cnae_fiscal", "cnae_principal")
    )
    cnae_fiscal_descricao: Text = None
    cnaes_secundarios: Annotated[list[SecondaryCnae], BeforeValidator(_list)] = Field(
        default_factory=list
    )
    codigo_natureza_juridica: Text = None
    natureza_juridica: Text = None
    porte: Text = Field(default=None, validation_alias=AliasChoices("porte", "descricao_porte"))
    capital_social: Amount = None
    opcao_pelo_simples: Flag = None
    opcao_pelo_mei: Flag = None
    data_inicio_atividade: IsoDate = Field(
        default=None, validation_alias=AliasChoices("data_inicio_atividade", "abertura")
    )
    uf: Text = Field(default=None, validation_alias=AliasChoices("uf", "estado"))
    municipio: Text = Field(default=None, validation_alias=AliasChoices("municipio", "cidade"))
    codigo_municipio: Text = None
    cep: Cep = None
    qsa: Annotated[list[Partner], BeforeValidator(_list)] = Field(default_factory=list)

    @field_validator("razao_social", mode="before")
    @classmethod
    def _name_is_text(cls, value: Any) -> Any:
        value = _text(value)
        if value is None:
            raise ValueError("the company has no razao_social")
        return value

    @field_validator("situacao_cadastral", mode="before")
    @classmethod
    def _situacao_code(cls, value: Any) -> Any:
        """'2' is read as 2; a description sent in place of the code ('ATIVA') as its code."""
        value = _blank_to_none(value)
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return int(text)
            by_name = {name: code for code, name in CNPJ_SITUACOES.items()}
            return by_name.get(plain_upper(text))
        return value

    @property
    def situacao(self) -> str | None:
        """The status in words, uppercase: from the description, else from the code."""
        if self.descricao_situacao_cadastral:
            return plain_upper(self.descricao_situacao_cadastral)
        if self.situacao_cadastral is not None:
            return CNPJ_SITUACOES.get(self.situacao_cadastral)
        return None

    @property
    def is_active(self) -> bool:
        return self.situacao == "ATIVA"


class CpfStatus(_Lenient):
    """A CPF's standing at the Receita (`GET /api/cpf/v1/{cpf}` with 200)."""

    cpf: Text = None
    situacao: str = Field(
        validation_alias=AliasChoices("situacao", "situacao_cadastral", "descricao_situacao")
    )
    data_inscricao: IsoDate = None
    ano_obito: int | None = None
    digito_verificador: Text = None
    comprovante: Text = Field(
        default=None, validation_alias=AliasChoices("comprovante", "codigo_controle")
    )

    @field_validator("situacao", mode="before")
    @classmethod
    def _situacao_words(cls, value: Any) -> Any:
        """'Pendente de regularização' and {'codigo': 2, 'descricao': 'Suspensa'} alike."""
        if isinstance(value, dict):
            value = value.get("descricao") or value.get("situacao")
        value = _text(value)
        if value is None:
            raise ValueError("the answer has no situacao")
        return plain_upper(value)

    @field_validator("ano_obito", mode="before")
    @classmethod
    def _year(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @property
    def is_known_situacao(self) -> bool:
        return self.situacao in CPF_SITUACOES


class ProviderError(_Lenient):
    """The body of a 400 (invalid) or 404 (not found): `{message, name, type}`."""

    message: Text = None
    name: Text = None
    type: Text = None


class PepEntry(_Lenient):
    """A politically exposed person on the provider's list (`GET /api/pep/v1?page=N`). The CPF is
    kept as sent; the load validates it."""

    cpf: str = Field(validation_alias=AliasChoices("cpf", "cpf_pep", "documento"))
    name: str = Field(validation_alias=AliasChoices("name", "nome", "nome_pep"))
    role: Text = Field(default=None, validation_alias=AliasChoices("role", "cargo", "funcao"))
    organ: Text = Field(default=None, validation_alias=AliasChoices("organ", "orgao"))
    mandate_start: IsoDate = Field(
        default=None, validation_alias=AliasChoices("mandate_start", "inicio_exercicio")
    )
    mandate_end: IsoDate = Field(
        default=None, validation_alias=AliasChoices("mandate_end", "fim_exercicio")
    )

    @field_validator("cpf", "name", mode="before")
    @classmethod
    def _required_text(cls, value: Any) -> Any:
        value = _text(value)
        if value is None:
            raise ValueError("required")
        return value


class PepPage(_Lenient):
    """One page of the PEP list: its entries, still unparsed, and how many pages there are."""

    data: Annotated[list[Any], BeforeValidator(_list)] = Field(default_factory=list)
    page: int = 1
    total_pages: int = 1
