"""Domain errors with the stable codes the API reports in problem+json."""

RESERVED_PROBLEM_MEMBERS = frozenset(
    {"type", "title", "status", "detail", "instance", "code", "request_id"}
)


class LedgerError(Exception):
    code: str = "ledger_error"
    status: int = 400
    title: str = "Ledger error"

    def __init__(self, detail: str, **extensions: object) -> None:
        # Extensions sit beside the problem's own members and must not shadow them.
        assert not RESERVED_PROBLEM_MEMBERS & extensions.keys(), extensions.keys()
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class MerchantNotFound(LedgerError):
    code = "merchant_not_found"
    status = 404
    title = "Merchant not found"


class MerchantAlreadyExists(LedgerError):
    code = "merchant_already_exists"
    status = 409
    title = "Merchant already exists"


class EntryNotFound(LedgerError):
    code = "entry_not_found"
    status = 404
    title = "Entry not found"


class DuplicateExternalId(LedgerError):
    code = "duplicate_external_id"
    status = 409
    title = "An entry with this external_id already exists"


class CurrencyMismatch(LedgerError):
    code = "currency_mismatch"
    status = 422
    title = "Currency does not match the account's"


class InvalidDateRange(LedgerError):
    code = "invalid_date_range"
    status = 422
    title = "Invalid date range"


class NotReady(LedgerError):
    code = "not_ready"
    status = 503
    title = "The ledger is not ready"


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    status = 422
    title = "Idempotency-Key already used for a different request"


class TenantNotFound(LedgerError):
    code = "tenant_not_found"
    status = 404
    title = "Tenant not found"


class TenantAlreadyExists(LedgerError):
    code = "tenant_already_exists"
    status = 409
    title = "Tenant already exists"


class AccountNotFound(LedgerError):
    code = "account_not_found"
    status = 404
    title = "Account not found"


class AccountAlreadyExists(LedgerError):
    code = "account_already_exists"
    status = 409
    title = "Account already exists"


class TransferNotFound(LedgerError):
    code = "transfer_not_found"
    status = 404
    title = "Transfer not found"


class HoldNotFound(LedgerError):
    code = "hold_not_found"
    status = 404
    title = "Hold not found"


class UnbalancedTransfer(LedgerError):
    code = "unbalanced_transfer"
    status = 422
    title = "Debits and credits of the transfer differ"


class InvalidTransfer(LedgerError):
    code = "invalid_transfer"
    status = 422
    title = "The transfer is not a valid set of postings"


class InsufficientFunds(LedgerError):
    code = "insufficient_funds"
    status = 422
    title = "The account's balance policy refuses this"


class AmountOutOfRange(LedgerError):
    code = "amount_out_of_range"
    status = 422
    title = "The resulting totals would exceed what the ledger stores"


class AlreadyReversed(LedgerError):
    code = "already_reversed"
    status = 409
    title = "The transfer has already been reversed"


class HoldNotPending(LedgerError):
    code = "hold_not_pending"
    status = 409
    title = "The hold is no longer pending"


class EmptyCounterparty(LedgerError):
    code = "empty_counterparty"
    status = 422
    title = "A counterparty must give its document, name or country"


class InvalidCounterpartyDocument(LedgerError):
    code = "invalid_counterparty_document"
    status = 422
    title = "The counterparty's document is not a valid CPF or CNPJ"


class InvalidCounterpartyCountry(LedgerError):
    code = "invalid_counterparty_country"
    status = 422
    title = "The counterparty's country is not an ISO 3166-1 alpha-2 code"


class BatchRejected(LedgerError):
    code = "batch_rejected"
    status = 422
    title = "The batch was refused as a whole; nothing was applied"


class InvalidCursor(LedgerError):
    code = "invalid_cursor"
    status = 400
    title = "The pagination cursor is not one this API issued"


class Unauthenticated(LedgerError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(LedgerError):
    code = "forbidden"
    status = 403
    title = "Not allowed for this principal"
