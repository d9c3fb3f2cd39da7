"""A realistic, deterministic month-and-more of lançamentos for a handful of Brazilian merchants.

Deterministic: each merchant-day draws from its own seeded generator and every entry carries a
stable external_id, so seeding again posts nothing twice.

Supplier payments name their supplier as the counterparty (a synthetic CNPJ, Brazil), and the
online store's e-commerce platform bills it from the British Virgin Islands, a jurisdiction on
the FATF's increased-monitoring list: AML rule 11 has an operation to find each month.
"""

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core_ledger.documents import check_digits_cnpj
from core_ledger.money import format_amount

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
# Calendar days of history the demo posts, up to yesterday (and the bank simulator lists).
DEMO_DAYS = 60


@dataclass(frozen=True)
class DemoCounterparty:
    name: str
    country: str
    document: str | None = None

    def as_request(self) -> dict[str, str]:
        request = {"name": self.name, "country": self.country}
        if self.document is not None:
            request["document"] = self.document
        return request


@dataclass(frozen=True)
class MonthlyBill:
    day_of_month: int
    category: str
    description: str
    amount_minor: int
    counterparty: DemoCounterparty | None = None


@dataclass(frozen=True)
class MerchantProfile:
    merchant_id: str
    name: str
    open_weekdays: frozenset[int]  # Monday is 0
    card_sales_minor: int  # a typical day's card settlement
    pix_sales_per_day: tuple[int, int]
    pix_ticket_minor: int
    suppliers: tuple[str, ...]
    supplier_payment_minor: int
    opening_capital_minor: int
    bills: tuple[MonthlyBill, ...]


@dataclass(frozen=True)
class DemoEntry:
    merchant_id: str
    external_id: str
    entry_type: str
    amount: str
    occurred_at: datetime
    description: str
    category: str
    counterparty: DemoCounterparty | None = None

    def as_request(self) -> dict[str, object]:
        request: dict[str, object] = {
            "type": self.entry_type,
            "amount": self.amount,
            "occurred_at": self.occurred_at.isoformat(),
            "description": self.description,
            "category": self.category,
            "external_id": self.external_id,
        }
        if self.counterparty is not None:
            request["counterparty"] = self.counterparty.as_request()
        return request


MON_SAT = frozenset(range(6))
MON_FRI = frozenset(range(5))
EVERY_DAY = frozenset(range(7))

MERCHANTS = (
    MerchantProfile(
        merchant_id="padaria-pao-dourado",
        name="Padaria Pão Dourado Ltda",
        open_weekdays=EVERY_DAY,
        card_sales_minor=1_850_00,
        pix_sales_per_day=(8, 20),
        pix_ticket_minor=32_00,
        suppliers=("Moinho Santa Clara", "Laticínios Serra Azul", "Hortifruti Ceasa"),
        supplier_payment_minor=1_400_00,
        opening_capital_minor=25_000_00,
        bills=(
            MonthlyBill(5, "folha_pagamento", "Folha de pagamento - 6 funcionários", 14_800_00),
            MonthlyBill(10, "aluguel", "Aluguel do ponto - Rua Augusta", 6_500_00),
            MonthlyBill(15, "energia", "Conta de energia - Enel SP", 2_140_37),
            MonthlyBill(20, "impostos", "DAS Simples Nacional", 3_912_45),
        ),
    ),
    MerchantProfile(
        merchant_id="oficina-auto-center-sul",
        name="Auto Center Sul Reparação Automotiva",
        open_weekdays=MON_SAT,
        card_sales_minor=3_200_00,
        pix_sales_per_day=(2, 6),
        pix_ticket_minor=680_00,
        suppliers=("Distribuidora de Autopeças Paulista", "Lubrificantes Ipiranga"),
        supplier_payment_minor=4_300_00,
        opening_capital_minor=40_000_00,
        bills=(
            MonthlyBill(5, "folha_pagamento", "Folha de pagamento - 4 mecânicos", 16_200_00),
            MonthlyBill(10, "aluguel", "Aluguel do galpão", 8_900_00),
            MonthlyBill(20, "impostos", "DAS Simples Nacional", 5_120_90),
        ),
    ),
    MerchantProfile(
        merchant_id="moda-bella-boutique",
        name="Bella Boutique Moda Feminina ME",
        open_weekdays=MON_SAT,
        card_sales_minor=2_600_00,
        pix_sales_per_day=(3, 9),
        pix_ticket_minor=189_90,
        suppliers=("Confecções Bom Retiro", "Tecelagem Americana"),
        supplier_payment_minor=3_100_00,
        opening_capital_minor=30_000_00,
        bills=(
            MonthlyBill(5, "folha_pagamento", "Folha de pagamento - 3 vendedoras", 9_600_00),
            MonthlyBill(10, "aluguel", "Aluguel loja Shopping Ibirapuera", 11_500_00),
            MonthlyBill(20, "impostos", "DAS Simples Nacional", 2_870_15),
        ),
    ),
    MerchantProfile(
        merchant_id="restaurante-sabor-mineiro",
        name="Restaurante Sabor Mineiro Ltda",
        open_weekdays=EVERY_DAY,
        card_sales_minor=4_100_00,
        pix_sales_per_day=(10, 25),
        pix_ticket_minor=74_50,
        suppliers=("Frigorífico Boi Gordo", "Atacadão Cereais", "Bebidas Nova Era"),
        supplier_payment_minor=2_900_00,
        opening_capital_minor=35_000_00,
        bills=(
            MonthlyBill(5, "folha_pagamento", "Folha de pagamento - 9 funcionários", 24_300_00),
            MonthlyBill(10, "aluguel", "Aluguel do salão", 9_800_00),
            MonthlyBill(12, "gas", "Gás GLP - Ultragaz", 1_870_00),
            MonthlyBill(15, "energia", "Conta de energia - Enel SP", 3_480_12),
            MonthlyBill(20, "impostos", "DAS Simples Nacional", 6_744_80),
        ),
    ),
    MerchantProfile(
        merchant_id="tech-store-online",
        name="Tech Store Comércio Eletrônico Ltda",
        open_weekdays=MON_FRI,
        card_sales_minor=9_800_00,
        pix_sales_per_day=(4, 12),
        pix_ticket_minor=1_249_00,
        suppliers=("Distribuidora Eletrônicos Santa Ifigênia", "Correios - postagens"),
        supplier_payment_minor=11_500_00,
        opening_capital_minor=120_000_00,
        bills=(
            MonthlyBill(5, "folha_pagamento", "Folha de pagamento - 7 colaboradores", 31_500_00),
            MonthlyBill(
                8,
                "software",
                "Plataforma de e-commerce - assinatura",
                1_299_00,
                DemoCounterparty("ShopCloud Platforms Ltd", "VG"),
            ),
            MonthlyBill(10, "aluguel", "Aluguel do centro de distribuição", 14_000_00),
            MonthlyBill(20, "impostos", "Impostos federais - DARF", 18_230_44),
        ),
    ),
)

ACQUIRERS = ("Cielo", "Rede", "Stone", "GetNet")


def supplier_counterparty(supplier: str) -> DemoCounterparty:
    """The supplier as a Brazilian company, with a valid synthetic CNPJ (head office, 0001) drawn
    from its name, so the same supplier always has the same document."""
    root = int.from_bytes(hashlib.sha256(supplier.encode()).digest()[:8], "big") % 10**8
    return DemoCounterparty(supplier, "BR", check_digits_cnpj(f"{root:08d}0001"))


def demo_entries(today: date, days: int) -> Iterator[DemoEntry]:
    """Entries for the `days` calendar days before `today` (São Paulo dates), by merchant."""
    first = today - timedelta(days=days)
    for profile in MERCHANTS:
        yield _capital_contribution(profile, first)
        for offset in range(days):
            yield from _merchant_day(profile, first + timedelta(days=offset))


def _capital_contribution(profile: MerchantProfile, day: date) -> DemoEntry:
    return _entry(
        profile,
        day,
        0,
        "credit",
        profile.opening_capital_minor,
        time(8, 0),
        "Aporte de capital dos sócios",
        "aporte_capital",
    )


def _merchant_day(profile: MerchantProfile, day: date) -> Iterator[DemoEntry]:
    rng = random.Random(f"{profile.merchant_id}:{day.isoformat()}")
    seq = iter(range(1, 1000))

    def at(rng: random.Random, start: int = 8, end: int = 20) -> time:
        return time(rng.randrange(start, end), rng.randrange(60), rng.randrange(60))

    # Card sales settle the next business day (D+1), in one credit per acquirer.
    if day.weekday() < 5 and (day - timedelta(days=1)).weekday() in profile.open_weekdays:
        for acquirer in rng.sample(ACQUIRERS, k=rng.randint(1, 2)):
            amount = _around(rng, profile.card_sales_minor // 2)
            yield _entry(
                profile,
                day,
                next(seq),
                "credit",
                amount,
                at(rng, 6, 9),
                f"Liquidação de vendas no cartão - {acquirer}",
                "vendas_cartao",
            )

    if day.weekday() in profile.open_weekdays:
        for _ in range(rng.randint(*profile.pix_sales_per_day)):
            amount = _around(rng, profile.pix_ticket_minor, spread=0.6)
            yield _entry(
                profile,
                day,
                next(seq),
                "credit",
                amount,
                at(rng),
                "Pix recebido de cliente",
                "vendas_pix",
            )
        if rng.random() < 0.3:
            amount = _around(rng, profile.pix_ticket_minor * 8)
            yield _entry(
                profile,
                day,
                next(seq),
                "credit",
                amount,
                at(rng, 16, 19),
                "Depósito de vendas em dinheiro",
                "vendas_dinheiro",
            )

    if day.weekday() < 5:
        for supplier in profile.suppliers:
            if rng.random() < 0.35:
                amount = _around(rng, profile.supplier_payment_minor)
                yield _entry(
                    profile,
                    day,
                    next(seq),
                    "debit",
                    amount,
                    at(rng, 9, 17),
                    f"Pagamento de boleto - {supplier}",
                    "fornecedores",
                    supplier_counterparty(supplier),
                )
        if rng.random() < 0.5:
            yield _entry(
                profile,
                day,
                next(seq),
                "debit",
                rng.choice((190, 350, 690)),
                at(rng, 22, 24),
                "Tarifa bancária - Pix/TED",
                "tarifas_bancarias",
            )

    for bill in profile.bills:
        if _due_on(bill.day_of_month, day):
            yield _entry(
                profile,
                day,
                next(seq),
                "debit",
                bill.amount_minor,
                at(rng, 9, 12),
                bill.description,
                bill.category,
                bill.counterparty,
            )


def _due_on(day_of_month: int, day: date) -> bool:
    """Bills fall on their day of the month, moved to Monday when that is a weekend day."""
    due = day.replace(day=day_of_month)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due == day


def _around(rng: random.Random, typical_minor: int, spread: float = 0.35) -> int:
    return max(100, int(rng.lognormvariate(0, spread) * typical_minor))


def _entry(
    profile: MerchantProfile,
    day: date,
    sequence: int,
    entry_type: str,
    amount_minor: int,
    at: time,
    description: str,
    category: str,
    counterparty: DemoCounterparty | None = None,
) -> DemoEntry:
    return DemoEntry(
        merchant_id=profile.merchant_id,
        external_id=f"demo:{profile.merchant_id}:{day.isoformat()}:{sequence:03d}",
        entry_type=entry_type,
        amount=format_amount(amount_minor),
        occurred_at=datetime.combine(day, at, SAO_PAULO),
        description=description,
        category=category,
        counterparty=counterparty,
    )
