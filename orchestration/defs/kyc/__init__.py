"""KYC provider results: the raw CNPJ and CPF lookup assets and their resource."""

import dagster as dg

from orchestration.defs.kyc.assets import raw_kyc_cnpj_results, raw_kyc_cpf_results
from orchestration.defs.kyc.resources import KycSource

kyc_assets: list[dg.AssetsDefinition] = [raw_kyc_cnpj_results, raw_kyc_cpf_results]

__all__ = ["KycSource", "kyc_assets"]
