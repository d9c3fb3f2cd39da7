"""Domain errors with the stable codes the API reports in problem+json."""


class LedgerError(Exception):
    code: str = "ledger_error"
    status: int = 400
    title: str = "Ledger error"

    def __init__(self, detail: str, **extensions: object) -> None:
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
    title = "Currency does not match the merchant's"


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
