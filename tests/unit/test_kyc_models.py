"""KYC provider payloads read despite the provider's schema drift; no network."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ingestion.kyc.demo import demo_subjects
from ingestion.kyc.models import CnpjRecord, CpfStatus, ProviderError
from ingestion.kyc.simulator import cnpj_payload, cpf_payload

BRASILAPI_SAMPLE: dict[str, Any] = {
    "cnpj": "19131243000197",
    "razao_social": "OPEN KNOWLEDGE BRASIL",
    "nome_fantasia": "REDE PELO CONHECIMENTO LIVRE",
    "situacao_cadastral": 2,
    "descricao_situacao_cadastral": "ATIVA",
    "data_situacao_cadastral": "2013-10-03",
    "cnae_fiscal": 9430800,
    "cnae_fiscal_descricao": "Atividades de associações de defesa de direitos sociais",
    "cnaes_secundarios": [{"codigo": 9493600, "descricao": "Atividades de organizações"}],
    "codigo_natureza_juridica": 3999,
    "porte": "DEMAIS",
    "capital_social": 0.0,
    "opcao_pelo_simples": None,
    "opcao_pelo_mei": None,
    "data_inicio_atividade": "2013-10-03",
    "uf": "SP",
    "municipio": "SAO PAULO",
    "cep": "01311902",
    "qsa": [{"nome_socio": "NATALIA MAZOTTE", "cnpj_cpf_do_socio": "***059967**"}],
    "data_situacao_especial": None,
}


def test_the_published_shape() -> None:
    record = CnpjRecord.model_validate(BRASILAPI_SAMPLE)
    assert record.situacao == "ATIVA" and record.is_active
    assert record.cnae_fiscal == "9430800"
    assert record.cnaes_secundarios[0].codigo == "9493600"
    assert record.codigo_natureza_juridica == "3999"
    assert record.capital_social == Decimal("0.0")
    assert record.data_inicio_atividade == date(2013, 10, 3)
    assert record.qsa[0].cnpj_cpf_do_socio == "***059967**"
    # Unknown fields are kept, so the raw payload loses nothing.
    assert record.model_extra == {"data_situacao_especial": None}


def test_numbers_as_strings_and_strings_as_numbers() -> None:
    drifted = {
        **BRASILAPI_SAMPLE,
        "situacao_cadastral": "4",
        "descricao_situacao_cadastral": None,
        "cnae_fiscal": "0111-3/01",
        "cep": 1311902,
        "capital_social": "1.250.000,50",
        "codigo_natureza_juridica": "2062",
        "opcao_pelo_simples": "S",
        "opcao_pelo_mei": "N",
    }
    record = CnpjRecord.model_validate(drifted)
    assert record.situacao_cadastral == 4 and record.situacao == "INAPTA"
    assert record.cnae_fiscal == "0111301"
    assert record.cep == "01311902"
    assert record.capital_social == Decimal("1250000.50")
    assert (record.opcao_pelo_simples, record.opcao_pelo_mei) == (True, False)


def test_missing_and_renamed_fields_and_null_lists() -> None:
    record = CnpjRecord.model_validate(
        {
            "nome_empresarial": "EMPRESA RENOMEADA LTDA",
            "situacao_cadastral": "BAIXADA",
            "qsa": None,
            "cnaes_secundarios": None,
            "data_inicio_atividade": "12/03/2015",
            "data_situacao_cadastral": "",
            "estado": "MG",
            "cidade": "BELO HORIZONTE",
        }
    )
    assert record.razao_social == "EMPRESA RENOMEADA LTDA"
    assert record.situacao == "BAIXADA" and not record.is_active
    assert record.qsa == [] and record.cnaes_secundarios == []
    assert record.data_inicio_atividade == date(2015, 3, 12)
    assert record.data_situacao_cadastral is None
    assert (record.uf, record.municipio, record.nome_fantasia, record.cnpj) == (
        "MG",
        "BELO HORIZONTE",
        None,
        None,
    )


def test_an_answer_without_a_company_name_is_unreadable() -> None:
    with pytest.raises(ValidationError, match="razao_social"):
        CnpjRecord.model_validate({"cnpj": "19131243000197", "razao_social": "  "})


def test_cpf_status_in_its_published_and_drifted_shapes() -> None:
    plain = CpfStatus.model_validate({"cpf": "529.982.247-25", "situacao": "REGULAR"})
    assert plain.situacao == "REGULAR" and plain.is_known_situacao
    drifted = CpfStatus.model_validate(
        {
            "situacao_cadastral": {"codigo": "2", "descricao": "Pendente de regularização"},
            "data_inscricao": "20/08/2001",
            "ano_obito": "",
        }
    )
    assert drifted.situacao == "PENDENTE DE REGULARIZACAO" and drifted.is_known_situacao
    assert drifted.data_inscricao == date(2001, 8, 20) and drifted.ano_obito is None
    dead = CpfStatus.model_validate({"situacao": "Titular Falecido", "ano_obito": "2023"})
    assert (dead.situacao, dead.ano_obito) == ("TITULAR FALECIDO", 2023)
    with pytest.raises(ValidationError, match="situacao"):
        CpfStatus.model_validate({"cpf": "52998224725"})


def test_error_bodies() -> None:
    error = ProviderError.model_validate(
        {"message": "CNPJ 00000000000191 não encontrado.", "name": "NotFoundError"}
    )
    assert error.name == "NotFoundError" and error.type is None


def test_every_simulated_answer_reads() -> None:
    subjects = [s for s in demo_subjects() if s.answer in ("found", "drifted")]
    assert {s.answer for s in subjects} == {"found", "drifted"}
    for subject in subjects:
        if subject.kind == "cnpj":
            record = CnpjRecord.model_validate(cnpj_payload(subject))
            assert record.situacao == subject.situacao
            assert record.cnae_fiscal == subject.registry_cnae
        else:
            status = CpfStatus.model_validate(cpf_payload(subject))
            assert status.situacao == subject.situacao
