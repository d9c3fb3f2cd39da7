"""RFC 9457 problem details: every error leaves the API as application/problem+json with a code."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core_ledger.api.request_context import request_id_var
from core_ledger.errors import LedgerError

PROBLEM_MEDIA_TYPE = "application/problem+json"

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem(
    status: int, code: str, title: str, detail: str, instance: str, **extensions: Any
) -> JSONResponse:
    body = {
        "type": f"urn:fluxo:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": request_id_var.get(),
        **extensions,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        return problem(
            error.status,
            error.code,
            error.title,
            error.detail,
            request.url.path,
            **error.extensions,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": list(e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in error.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                400,
                "malformed_json",
                "Malformed JSON",
                "the body is not valid JSON",
                request.url.path,
                errors=errors,
            )
        return problem(
            422,
            "validation_error",
            "Invalid request",
            "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors),
            request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(error.status_code, "http_error")
        return problem(
            error.status_code, code, str(error.detail), str(error.detail), request.url.path
        )
