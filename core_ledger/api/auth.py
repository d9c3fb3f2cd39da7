"""Exchanging an API key for a short-lived access token, and the audit chain's status."""

from fastapi import APIRouter, Request

from core_ledger.api.dependencies import CurrentActor, Sessions
from core_ledger.api.schemas import AuditVerificationPublic, TokenPublic, TokenRequest
from core_ledger.services import audit, auth

router = APIRouter(prefix="/v1", tags=["auth and audit"])


@router.post("/auth/token", response_model=TokenPublic)
def issue_token(body: TokenRequest, sessions: Sessions, request: Request) -> TokenPublic:
    """Present an API key, get a bearer token valid for FLUXO_TOKEN_TTL_SECONDS (15 min)."""
    actor = auth.actor_for_key(sessions, body.api_key)
    token = auth.issue_token(
        actor, request.app.state.signing_key, request.app.state.token_ttl_seconds
    )
    return TokenPublic(access_token=token.token, expires_in=token.expires_in)


@router.get("/audit/verification", response_model=AuditVerificationPublic)
def audit_verification(sessions: Sessions, actor: CurrentActor) -> AuditVerificationPublic:
    """Walk the sealed audit hash chain now (auditors, operators, admins)."""
    actor.require_role("auditor", "operator", "admin")
    result = audit.verify(sessions)
    return AuditVerificationPublic(
        intact=result.intact,
        records_checked=result.records_checked,
        last_seq=result.last_seq,
        first_broken_seq=result.first_broken_seq,
        problem=result.problem,
        pending_records=result.pending_records,
    )
