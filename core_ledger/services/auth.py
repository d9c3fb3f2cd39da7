"""Authentication: API keys issued by an admin command, stored hashed, used directly or exchanged
for short-lived signed tokens (JWT, HS256)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import ROLES, Actor
from core_ledger.errors import Forbidden, Unauthenticated
from core_ledger.models import ApiKey
from core_ledger.repositories import api_keys
from core_ledger.services import audit
from core_ledger.services.tenants import require_tenant

KEY_PREFIX = "fxk"
TOKEN_ALGORITHM = "HS256"
TOKEN_ISSUER = "fluxo-ledger"


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the whole key, shown once: only its hash is stored


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


def create_key(
    sessions: sessionmaker[Session], actor: Actor, name: str, role: str, tenant_id: str | None
) -> IssuedKey:
    actor.require_role("admin")
    if role not in ROLES:
        raise Forbidden(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if (role == "merchant") != (tenant_id is not None):
        raise Forbidden("a merchant key needs --tenant, and only a merchant key takes one")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with sessions.begin() as session:
        if tenant_id is not None:
            require_tenant(session, tenant_id)
        key = api_keys.insert(
            session,
            {
                "key_id": key_id,
                "secret_hash": _hash(secret),
                "name": name,
                "role": role,
                "tenant_id": tenant_id,
            },
        )
        document = {"key_id": key_id, "name": name, "role": role, "tenant_id": tenant_id}
        audit.record(
            session, actor, [audit.Change("api_key.created", "api_key", key_id, None, document)]
        )
    return IssuedKey(key, f"{KEY_PREFIX}_{key_id}_{secret}")


def revoke_key(sessions: sessionmaker[Session], actor: Actor, key_id: str) -> bool:
    actor.require_role("admin")
    with sessions.begin() as session:
        revoked = api_keys.revoke(session, key_id)
        if revoked:
            audit.record(
                session,
                actor,
                [
                    audit.Change(
                        "api_key.revoked", "api_key", key_id, {"active": True}, {"active": False}
                    )
                ],
            )
        return revoked


def list_keys(sessions: sessionmaker[Session]) -> list[ApiKey]:
    with sessions() as session:
        return api_keys.list_all(session)


def actor_for_key(sessions: sessionmaker[Session], presented: str) -> Actor:
    """The principal behind a presented API key; 401 for anything but an active key."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise Unauthenticated("the API key is malformed")
    _, key_id, secret = parts
    with sessions() as session:
        key = api_keys.get_active(session, key_id)
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        raise Unauthenticated("the API key is unknown or revoked")
    return Actor(principal=f"key:{key.key_id}", role=key.role, tenant_id=key.tenant_id)


def issue_token(actor: Actor, signing_key: str, ttl_seconds: int) -> AccessToken:
    now = datetime.now(UTC)
    claims = {
        "iss": TOKEN_ISSUER,
        "sub": actor.principal,
        "role": actor.role,
        "tenant": actor.tenant_id,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return AccessToken(jwt.encode(claims, signing_key, TOKEN_ALGORITHM), ttl_seconds)


def actor_for_token(token: str, signing_key: str) -> Actor:
    try:
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=[TOKEN_ALGORITHM],
            issuer=TOKEN_ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthenticated("the access token has expired; exchange the API key again") from error
    except jwt.InvalidTokenError as error:
        raise Unauthenticated("the access token is not valid") from error
    if claims.get("role") not in ROLES:
        raise Unauthenticated("the access token is not valid")
    return Actor(principal=claims["sub"], role=claims["role"], tenant_id=claims.get("tenant"))


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is enough, no password stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()
