"""The demo's KYC subjects: a CNPJ for each merchant of fluxo/demo_workload.py, two companies
still onboarding, a few people's CPFs, with the awkward cases a KYC load must handle among them.
Each is a customer of the demo's onboarding register (fluxo/demo_onboarding.py), which is what
the KYC assets check; the simulator answers for them. Every number is synthetic.

The merchants have no CNPJ in the workload, so each gets one derived from its merchant_id (a
root of eight digits from a hash, branch 0001, valid check digits): deterministic, so the
simulator and every load agree without storing them anywhere.
"""

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from fluxo.demo_workload import MERCHANTS
from ingestion.documents import DocumentKind, check_digits_cnpj, check_digits_cpf

# What the simulator answers for a subject; `drifted` is a 200 in a drifted schema.
Answer = Literal["found", "drifted", "not_found", "provider_rejects"]


@dataclass(frozen=True)
class KycSubject:
    subject_id: str  # the merchant_id, or a customer id
    kind: DocumentKind
    document: str  # normalised
    answer: Answer = "found"
    declared_cnae: str | None = None  # what the company told us it does, for companies
    registry_cnae: str | None = None  # what the registry says, when found
    situacao: str = "ATIVA"  # CNPJ: registry status; CPF: Receita status
    note: str = ""


def _hash_digits(seed: str, count: int) -> str:
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return str(digest)[-count:].rjust(count, "0")


def merchant_cnpj(merchant_id: str) -> str:
    """The demo CNPJ of a merchant: stable, valid, and never one of repeated digits."""
    return check_digits_cnpj(_hash_digits(f"cnpj:{merchant_id}", 8) + "0001")


def customer_cpf(customer_id: str) -> str:
    return check_digits_cpf(_hash_digits(f"cpf:{customer_id}", 9))


# CNAE subclasses (7 digits) and their descriptions, as the registry prints them.
CNAE_DESCRIPTIONS = {
    "1091102": "Fabricação de produtos de padaria e confeitaria com predominância de produção "
    "própria",
    "4520001": "Serviços de manutenção e reparação mecânica de veículos automotores",
    "4781400": "Comércio varejista de artigos do vestuário e acessórios",
    "6619302": "Correspondentes de instituições financeiras",
    "5611201": "Restaurantes e similares",
    "4751201": "Comércio varejista especializado de equipamentos e suprimentos de informática",
}

_DECLARED_CNAE = {
    "padaria-pao-dourado": "1091102",
    "oficina-auto-center-sul": "4520001",
    "moda-bella-boutique": "4781400",
    "restaurante-sabor-mineiro": "5611201",
    "tech-store-online": "4751201",
}


def _merchant_subject(merchant_id: str) -> KycSubject:
    declared = _DECLARED_CNAE[merchant_id]
    subject = KycSubject(
        subject_id=merchant_id,
        kind="cnpj",
        document=merchant_cnpj(merchant_id),
        declared_cnae=declared,
        registry_cnae=declared,
    )
    if merchant_id == "moda-bella-boutique":
        # Declares a clothes shop; the registry has it as a banking correspondent (AML rule 12).
        return KycSubject(
            **{**subject.__dict__, "registry_cnae": "6619302", "note": "CNAE mismatch"}
        )
    if merchant_id == "restaurante-sabor-mineiro":
        return KycSubject(**{**subject.__dict__, "situacao": "INAPTA", "note": "not ATIVA"})
    if merchant_id == "tech-store-online":
        return KycSubject(**{**subject.__dict__, "answer": "drifted", "note": "schema drift"})
    return subject


def demo_subjects() -> list[KycSubject]:
    """Every subject the simulator knows, plus the ones it does not (404) or refuses (400)."""
    merchants = [_merchant_subject(m.merchant_id) for m in MERCHANTS]
    # Companies onboarding before they become merchants (KYC comes before the account).
    onboarding_companies = [
        KycSubject(
            subject_id="distribuidora-sem-registro",
            kind="cnpj",
            document=check_digits_cnpj(_hash_digits("cnpj:unknown", 8) + "0001"),
            answer="not_found",
            declared_cnae="4639701",
            note="valid check digits, not in the registry",
        ),
        KycSubject(
            subject_id="startup-cnpj-alfanumerico",
            kind="cnpj",
            document=check_digits_cnpj("12ABC34501DE"),
            answer="provider_rejects",
            declared_cnae="6201501",
            note="alphanumeric CNPJ (valid from July 2026) that the provider does not accept yet",
        ),
    ]
    customers = [
        KycSubject("cliente-ana", "cpf", customer_cpf("cliente-ana"), situacao="REGULAR"),
        KycSubject("cliente-bruno", "cpf", customer_cpf("cliente-bruno"), situacao="SUSPENSA"),
        KycSubject(
            "cliente-carla",
            "cpf",
            customer_cpf("cliente-carla"),
            situacao="PENDENTE DE REGULARIZACAO",
            answer="drifted",
            note="schema drift",
        ),
        KycSubject(
            "cliente-davi", "cpf", customer_cpf("cliente-davi"), situacao="TITULAR FALECIDO"
        ),
        # On the provider's PEP list (demo_pep_list): her CPF is the list's first person's.
        KycSubject("cliente-elisa", "cpf", pep_cpf(1), situacao="REGULAR"),
        KycSubject(
            "cliente-desconhecido",
            "cpf",
            customer_cpf("cliente-desconhecido"),
            answer="not_found",
            note="valid check digits, no record",
        ),
    ]
    return merchants + onboarding_companies + customers


def pep_cpf(number: int) -> str:
    """The CPF of the demo PEP list's person `number` (1..5)."""
    return customer_cpf(f"pep-{number}")


def demo_pep_list() -> list[dict[str, Any]]:
    """The provider's list of politically exposed persons (PEPs), as it serves it: five people, two
    of them out of office (one within the five years PEP status lasts after, one past them), and
    one entry whose CPF fails its check digits, which a load must quarantine."""
    people: list[dict[str, Any]] = [
        {
            "cpf": pep_cpf(1),
            "name": "ELISA MONTEIRO DUARTE",
            "role": "Deputada Estadual",
            "organ": "Assembleia Legislativa do Estado de São Paulo",
            "mandate_start": "2023-03-15",
            "mandate_end": None,
        },
        {
            "cpf": pep_cpf(2),
            "name": "FERNANDO AUGUSTO LIMA",
            "role": "Prefeito",
            "organ": "Prefeitura Municipal de Campinas",
            "mandate_start": "2021-01-01",
            "mandate_end": "2024-12-31",
        },
        {
            "cpf": pep_cpf(3),
            "name": "GABRIELA SOUZA PINTO",
            "role": "Diretora",
            "organ": "Banco Central do Brasil",
            "mandate_start": "2012-02-01",
            "mandate_end": "2016-01-31",
        },
        {
            "cpf": pep_cpf(4),
            "name": "HEITOR RAMOS CARVALHO",
            "role": "Ministro de Estado",
            "organ": "Ministério da Fazenda",
            "mandate_start": "2023-01-01",
            "mandate_end": None,
        },
        {
            "cpf": pep_cpf(5),
            "name": "IRENE BATISTA COSTA",
            "role": "Secretária Estadual",
            "organ": "Secretaria da Fazenda do Estado de Minas Gerais",
            "mandate_start": "2019-01-01",
            "mandate_end": None,
        },
    ]
    mistyped = {
        "cpf": pep_cpf(1)[:-1] + str((int(pep_cpf(1)[-1]) + 1) % 10),  # wrong check digit
        "name": "JOAO MISTYPED",
        "role": "Vereador",
        "organ": "Câmara Municipal de Santos",
        "mandate_start": "2021-01-01",
        "mandate_end": None,
    }
    return [*people, mistyped]
