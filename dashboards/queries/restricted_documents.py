"""Clear CPF/CNPJ by token, from raw.kyc_documents_restricted (the one warehouse table holding
them): the dashboard's only read outside `marts`, never cached, and called only for a role that
may see clear documents (dashboards.roles.may_see_clear_documents)."""

from dashboards.queries.warehouse import read_uncached


def clear_documents(tokens: list[str]) -> dict[str, str]:
    if not tokens:
        return {}
    found = read_uncached(
        "select document_token, document from raw.kyc_documents_restricted "
        "where document_token = any(cast(:tokens as text[]))",
        {"tokens": tokens},
    )
    return dict(zip(found["document_token"], found["document"], strict=True))
