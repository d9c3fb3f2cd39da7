"""CPF/CNPJ as the user's role may see them: clear for compliance, masked for everyone else."""

import pandas as pd

from dashboards.components.formatting import format_document
from dashboards.queries.restricted_documents import clear_documents
from dashboards.roles import may_see_clear_documents
from dashboards.users import DashboardRole


def documents_for(role: DashboardRole, tokens: pd.Series, masked: pd.Series) -> pd.Series:
    """One document per row: the clear one when `role` may see it (masked if the restricted table
    does not have it), else the masked form."""
    if not may_see_clear_documents(role):
        return masked
    clear = clear_documents([token for token in tokens.dropna().unique()])
    return pd.Series(
        [
            format_document(clear[token]) if token in clear else masked_form
            for token, masked_form in zip(tokens, masked, strict=True)
        ],
        index=tokens.index,
    )
