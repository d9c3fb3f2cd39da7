"""The demo's onboarding register: the demo merchants (PJ) and person customers (PF) as they
declared themselves at onboarding, and the merchants' bank accounts. Documents and CNAEs come from
ingestion/kyc/demo.py, so the register, the KYC provider simulator and the PEP list agree; each
merchant's account is the one the Open Finance simulator holds for it. Every number is synthetic.

Two unrelated customers (a car repair shop and a person) gave the same phone number, typed two
ways: AML rule 12 (shared contact data across unrelated customers) has a case to find.
"""

from core_ledger.services.onboarding import CustomerProfile, NewBankAccount
from fluxo.demo_workload import MERCHANTS, MerchantProfile
from ingestion.kyc.demo import demo_subjects
from ingestion.openfinance.simulator import account_id_for

# Business days in a month, for a declared revenue of the order the workload produces.
_TRADING_DAYS_PER_MONTH = 26
SHARED_PHONE_AS_TYPED = ("+55 (11) 97777-0101", "11977770101")

_PAYMENT_MIX = {
    "padaria-pao-dourado": "mixed",
    "oficina-auto-center-sul": "card",
    "moda-bella-boutique": "card",
    "restaurante-sabor-mineiro": "mixed",
    "tech-store-online": "card",
}

# Companies (PJ) onboarding, not merchants yet: the KYC cases of a CNPJ the registry does not know
# and of an alphanumeric CNPJ the provider refuses (ingestion/kyc/demo.py). The KYC assets check
# the register's customers, so every case the simulator plays is one of them.
# customer_id: (legal name, monthly revenue in centavos, expected payment mix)
_ONBOARDING_COMPANIES = {
    "distribuidora-sem-registro": ("Distribuidora Horizonte Ltda", 60_000_00, "transfer"),
    "startup-cnpj-alfanumerico": ("Nova Era Tecnologia Ltda", 25_000_00, "card"),
}

# customer_id: (full name, monthly income in centavos, expected payment mix, phone)
_PEOPLE = {
    "cliente-ana": ("Ana Paula Ferreira", 8_500_00, "transfer", "(21) 98123-4455"),
    "cliente-bruno": ("Bruno Henrique Alves", 4_200_00, "mixed", SHARED_PHONE_AS_TYPED[1]),
    "cliente-carla": ("Carla Menezes Rocha", 12_000_00, "transfer", "(31) 99876-1122"),
    "cliente-davi": ("Davi Oliveira Santos", 3_100_00, "cash", "(85) 98555-7788"),
    "cliente-desconhecido": ("Cliente Sem Cadastro", 2_500_00, "cash", None),
    "cliente-elisa": ("Elisa Monteiro Duarte", 35_000_00, "transfer", "(11) 99321-6060"),
}


def _monthly_revenue_minor(profile: MerchantProfile) -> int:
    """About a month of the workload's sales, rounded to a thousand reais as people declare it."""
    low, high = profile.pix_sales_per_day
    daily = profile.card_sales_minor + (low + high) // 2 * profile.pix_ticket_minor
    return round(daily * _TRADING_DAYS_PER_MONTH, -5)


def demo_customer_profiles() -> list[CustomerProfile]:
    """The register's customers as onboarding takes them (core_ledger.services.onboarding)."""
    subjects = {subject.subject_id: subject for subject in demo_subjects()}
    profiles: list[CustomerProfile] = []
    for merchant in MERCHANTS:
        subject = subjects[merchant.merchant_id]
        profiles.append(
            CustomerProfile(
                customer_id=merchant.merchant_id,
                person_type="PJ",
                document=subject.document,
                legal_name=merchant.name,
                declared_cnae=subject.declared_cnae,
                declared_monthly_revenue_minor=_monthly_revenue_minor(merchant),
                expected_payment_mix=_PAYMENT_MIX[merchant.merchant_id],
                contact_email=f"financeiro@{merchant.merchant_id}.com.br",
                contact_phone=SHARED_PHONE_AS_TYPED[0]
                if merchant.merchant_id == "oficina-auto-center-sul"
                else None,
            )
        )
    for customer_id, (name, revenue, mix) in _ONBOARDING_COMPANIES.items():
        subject = subjects[customer_id]
        profiles.append(
            CustomerProfile(
                customer_id=customer_id,
                person_type="PJ",
                document=subject.document,
                legal_name=name,
                declared_cnae=subject.declared_cnae,
                declared_monthly_revenue_minor=revenue,
                expected_payment_mix=mix,
                contact_email=f"financeiro@{customer_id}.com.br",
            )
        )
    for customer_id, (name, income, mix, phone) in _PEOPLE.items():
        profiles.append(
            CustomerProfile(
                customer_id=customer_id,
                person_type="PF",
                document=subjects[customer_id].document,
                legal_name=name,
                declared_monthly_revenue_minor=income,
                expected_payment_mix=mix,
                contact_email=f"{customer_id.removeprefix('cliente-')}@email.com.br",
                contact_phone=phone,
            )
        )
    return profiles


def demo_bank_accounts() -> list[NewBankAccount]:
    """Each demo merchant's account at the simulated Open Finance institution."""
    return [
        NewBankAccount(merchant.merchant_id, "openfinance", account_id_for(merchant.merchant_id))
        for merchant in MERCHANTS
    ]
