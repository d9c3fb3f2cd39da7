"""KYC provider results: the raw CNPJ and CPF lookup assets, the PEP list, and their resource."""

import dagster as dg

from orchestration.defs.kyc.assets import (
    raw_kyc_cnpj_results,
    raw_kyc_cpf_results,
    raw_kyc_pep_register,
)
from orchestration.defs.kyc.resources import KycSource

kyc_assets: list[dg.AssetsDefinition] = [
    raw_kyc_cnpj_results,
    raw_kyc_cpf_results,
    raw_kyc_pep_register,
]

__all__ = ["KycSource", "kyc_assets"]
