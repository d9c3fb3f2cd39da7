"""A local KYC provider in BrasilAPI's shape, answering for the demo's subjects, faults on call.

`GET /api/cnpj/v1/{cnpj}` and `GET /api/cpf/v1/{cpf}` answer deterministically for the subjects
of ingestion/kyc/demo.py: registry records (one company INAPTA, one whose CNAE mismatches its
declared business, one in a drifted schema), 404 for a valid document it does not know, 400 for
an invalid one (and for the alphanumeric CNPJ, which it does not accept yet).
`GET /api/pep/v1?page=N` serves the list of politically exposed persons in pages. Faults (bursts
of 429 with Retry-After, 500s, slow answers) are switched on with `PUT /admin/faults` and consumed
request by request.
"""

import asyncio
import contextlib
import hashlib
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ingestion.documents import DocumentKind, is_valid_document, normalize_document
from ingestion.kyc.demo import CNAE_DESCRIPTIONS, KycSubject, demo_pep_list, demo_subjects
from ingestion.local_server import app_in_thread

DEFAULT_PORT = 8602
_CPF_SITUACAO_WORDS = {"PENDENTE DE REGULARIZACAO": "Pendente de regularização"}
_SITUACAO_CODES = {"NULA": 1, "ATIVA": 2, "SUSPENSA": 3, "INAPTA": 4, "BAIXADA": 8}


class SimulatorFaults(BaseModel):
    """Faults to inject, consumed request by request on the lookup endpoints."""

    rate_limit_burst: int = Field(default=0, ge=0, description="Next N requests get 429.")
    retry_after_seconds: int = Field(default=1, ge=0, description="Retry-After of those 429s.")
    server_errors: int = Field(default=0, ge=0, description="Next N requests get 500.")
    slow_responses: int = Field(default=0, ge=0, description="Next N requests answer late.")
    slow_seconds: float = Field(default=2.0, ge=0)


class KycSimulator:
    """The simulated provider's state: its subjects, faults, and what it answered."""

    def __init__(
        self,
        subjects: list[KycSubject] | None = None,
        faults: SimulatorFaults | None = None,
        raw_answers: dict[tuple[DocumentKind, str], Any] | None = None,
        pep_list: list[dict[str, Any]] | None = None,
        pep_page_size: int = 2,
    ) -> None:
        self.subjects = {(s.kind, s.document): s for s in subjects or demo_subjects()}
        # Bodies served as given with 200 for these (kind, document): answers a real provider
        # gets wrong, to exercise quarantine.
        self.raw_answers = raw_answers or {}
        self.faults = faults or SimulatorFaults()
        self.status_counts: dict[int, int] = {}
        self.lookups: dict[tuple[DocumentKind, str], int] = {}
        # The list of politically exposed persons, served in pages (`GET /api/pep/v1?page=N`).
        self.pep_list = demo_pep_list() if pep_list is None else pep_list
        self.pep_page_size = pep_page_size

    def pep_page(self, page: int) -> dict[str, Any]:
        size = self.pep_page_size
        total_pages = max(1, -(-len(self.pep_list) // size))
        start = (max(page, 1) - 1) * size
        return {
            "data": self.pep_list[start : start + size],
            "page": page,
            "total_pages": total_pages,
        }

    def answer(self, kind: DocumentKind, raw_document: str) -> tuple[int, Any]:
        document = normalize_document(raw_document)
        label = kind.upper()
        if not is_valid_document(document, kind):
            return 400, _error(f"{label} {raw_document} inválido.", "BadRequestError")
        self.lookups[(kind, document)] = self.lookups.get((kind, document), 0) + 1
        if (kind, document) in self.raw_answers:
            return 200, self.raw_answers[(kind, document)]
        subject = self.subjects.get((kind, document))
        if subject is None or subject.answer == "not_found":
            return 404, _error(f"{label} {document} não encontrado.", "NotFoundError")
        if subject.answer == "provider_rejects":
            return 400, _error(f"{label} {document} inválido.", "BadRequestError")
        if kind == "cnpj":
            return 200, cnpj_payload(subject)
        return 200, cpf_payload(subject)


def _error(message: str, name: str) -> dict[str, Any]:
    kind = "bad_request" if name == "BadRequestError" else "not_found"
    return {"message": message, "name": name, "type": kind}


def cnpj_payload(subject: KycSubject) -> dict[str, Any]:
    """The registry record BrasilAPI serves, or its drifted variant for `answer="drifted"`."""
    cnae = subject.registry_cnae or "0000000"
    code = _SITUACAO_CODES[subject.situacao]
    name = subject.subject_id.replace("-", " ").title()
    payload: dict[str, Any] = {
        "cnpj": subject.document,
        "razao_social": f"{name} Ltda",
        "nome_fantasia": name,
        "situacao_cadastral": code,
        "descricao_situacao_cadastral": subject.situacao,
        "data_situacao_cadastral": "2024-05-17" if code != 2 else "2015-03-12",
        "descricao_motivo_situacao_cadastral": "OMISSAO DE DECLARACOES" if code == 4 else "",
        "cnae_fiscal": int(cnae),
        "cnae_fiscal_descricao": CNAE_DESCRIPTIONS.get(cnae, ""),
        "cnaes_secundarios": [{"codigo": 0, "descricao": ""}],
        "codigo_natureza_juridica": 2062,
        "natureza_juridica": "Sociedade Empresária Limitada",
        "porte": "MICRO EMPRESA",
        "capital_social": 50000.0,
        "opcao_pelo_simples": True,
        "opcao_pelo_mei": False,
        "data_inicio_atividade": "2015-03-12",
        "uf": "SP",
        "municipio": "SAO PAULO",
        "codigo_municipio": 7107,
        "cep": "01310100",
        "logradouro": "AVENIDA PAULISTA",
        "numero": "1000",
        "qsa": [
            {
                "nome_socio": "SOCIA FUNDADORA",
                "cnpj_cpf_do_socio": "***123456**",
                "qualificacao_socio": "Sócio-Administrador",
                "data_entrada_sociedade": "2015-03-12",
            }
        ],
    }
    if subject.answer != "drifted":
        return payload
    # Drift seen from the provider: numbers as strings and the reverse, a renamed field, null
    # lists, a missing field, dd/mm/yyyy dates, the decimal comma, S/N flags.
    drifted = dict(payload)
    drifted["cnpj"] = int(subject.document) if subject.document.isdigit() else subject.document
    drifted["nome_empresarial"] = drifted.pop("razao_social")
    drifted["situacao_cadastral"] = str(code)
    del drifted["descricao_situacao_cadastral"]
    del drifted["nome_fantasia"]
    drifted["cnae_fiscal"] = str(cnae)
    drifted["cnaes_secundarios"] = None
    drifted["qsa"] = None
    drifted["cep"] = 1310100
    drifted["capital_social"] = "50.000,00"
    drifted["opcao_pelo_simples"] = "S"
    drifted["opcao_pelo_mei"] = None
    drifted["data_inicio_atividade"] = "12/03/2015"
    drifted["data_situacao_cadastral"] = ""
    drifted["codigo_natureza_juridica"] = "2062"
    # A partner that is itself a company: its CNPJ arrives in clear, as the registry has it.
    drifted["socios_pj"] = [{"cnpj": subject.document, "nome": "HOLDING DO PROPRIO GRUPO"}]
    return drifted


def cpf_payload(subject: KycSubject) -> dict[str, Any]:
    """A CPF status check, as the Receita's comprovante gives it."""
    payload: dict[str, Any] = {
        "cpf": f"{subject.document[:3]}.{subject.document[3:6]}.{subject.document[6:9]}-"
        f"{subject.document[9:]}",
        "nome": subject.subject_id.removeprefix("cliente-").upper(),
        "situacao": subject.situacao,
        "data_inscricao": "2001-08-20",
        "digito_verificador": "00",
        "comprovante": hashlib.sha256(subject.subject_id.encode()).hexdigest()[:16].upper(),
    }
    if subject.situacao == "TITULAR FALECIDO":
        payload["ano_obito"] = 2023
    if subject.answer != "drifted":
        return payload
    drifted = dict(payload)
    drifted["cpf"] = subject.document
    drifted["situacao_cadastral"] = {
        "codigo": "2",
        "descricao": _CPF_SITUACAO_WORDS.get(subject.situacao, subject.situacao.title()),
    }
    del drifted["situacao"]
    drifted["data_inscricao"] = "20/08/2001"
    drifted["ano_obito"] = ""
    drifted["codigo_controle"] = drifted.pop("comprovante")
    return drifted


def create_simulator_app(simulator: KycSimulator | None = None) -> FastAPI:
    """The simulator's FastAPI app; `app.state.simulator` holds its state."""
    sim = simulator or KycSimulator()
    app = FastAPI(title="Fluxo KYC simulator", redoc_url=None)
    app.state.simulator = sim

    @app.middleware("http")
    async def count_statuses(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        sim.status_counts[response.status_code] = sim.status_counts.get(response.status_code, 0) + 1
        return response

    async def fault() -> Response | None:
        faults = sim.faults
        if faults.rate_limit_burst:
            faults.rate_limit_burst -= 1
            return JSONResponse(
                {"message": "Too many requests", "name": "TooManyRequests", "type": "rate_limit"},
                status_code=429,
                headers={"Retry-After": str(faults.retry_after_seconds)},
            )
        if faults.server_errors:
            faults.server_errors -= 1
            return JSONResponse(
                {"message": "Internal error", "name": "InternalError", "type": "internal"},
                status_code=500,
            )
        if faults.slow_responses:
            faults.slow_responses -= 1
            await asyncio.sleep(faults.slow_seconds)
        return None

    async def lookup(kind: DocumentKind, document: str) -> Response:
        if (failed := await fault()) is not None:
            return failed
        status, body = sim.answer(kind, document)
        return JSONResponse(body, status_code=status)

    @app.get("/api/cnpj/v1/{cnpj}")
    async def cnpj(cnpj: str) -> Response:
        return await lookup("cnpj", cnpj)

    @app.get("/api/cpf/v1/{cpf}")
    async def cpf(cpf: str) -> Response:
        return await lookup("cpf", cpf)

    @app.get("/api/pep/v1")
    async def pep_list(page: int = 1) -> Response:
        if (failed := await fault()) is not None:
            return failed
        return JSONResponse(sim.pep_page(page))

    @app.get("/admin/faults")
    async def read_faults() -> SimulatorFaults:
        return sim.faults

    @app.put("/admin/faults")
    async def set_faults(faults: SimulatorFaults) -> SimulatorFaults:
        sim.faults = faults
        return sim.faults

    return app


def serve_simulator(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve the simulator with the demo's subjects until interrupted."""
    uvicorn.run(create_simulator_app(), host=host, port=port, log_level="info")


def simulator_in_thread(
    simulator: KycSimulator, host: str = "127.0.0.1", port: int = 0
) -> contextlib.AbstractContextManager[str]:
    """Serve `simulator` on a background thread; yields its base URL. Port 0 picks a free one."""
    return app_in_thread(create_simulator_app(simulator), "the KYC simulator", host, port)
