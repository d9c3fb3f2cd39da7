"""Who is acting, and what each role may read and change."""

from dataclasses import dataclass

from core_ledger.errors import Forbidden

ROLES = ("merchant", "operator", "auditor", "admin")
# Roles that see every tenant; the auditor only reads.
ALL_TENANT_ROLES = frozenset({"operator", "auditor", "admin"})
WRITING_ROLES = frozenset({"merchant", "operator", "admin"})


@dataclass(frozen=True)
class Actor:
    principal: str  # who, as recorded in the audit log: "key:<key_id>" or "cli:<user>"
    role: str
    tenant_id: str | None = None  # a merchant's own tenant; None for the all-tenant roles
    request_id: str | None = None

    def can_read(self, tenant_id: str) -> bool:
        return self.role in ALL_TENANT_ROLES or tenant_id == self.tenant_id

    def require_read(self, tenant_id: str) -> None:
        if not self.can_read(tenant_id):
            raise Forbidden(f"{self.principal} may not read tenant {tenant_id!r}")

    def require_write(self, tenant_id: str) -> None:
        """Changing a tenant's books: its own merchant, an operator or an admin."""
        allowed = self.role in ("operator", "admin") or (
            self.role == "merchant" and tenant_id == self.tenant_id
        )
        if not allowed:
            raise Forbidden(f"{self.principal} ({self.role}) may not change tenant {tenant_id!r}")

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"{self.principal} ({self.role}) may not do this; needs {roles}")


def cli_actor(user: str) -> Actor:
    """Commands run on the server itself act as an admin, recorded under the OS user's name."""
    return Actor(principal=f"cli:{user}", role="admin")
