"""The onboarding register: who each customer (a merchant, or a person) is, as onboarded.

`onboarding.customers` is the system of record for a customer's identity: its CPF or CNPJ in
clear (validated), legal name, declared activity (CNAE) and revenue, contacts and expected payment
mix. `version_xid` is the id of the transaction that wrote the row's current version (set on
insert and on every update), so the warehouse copy finds new and changed customers the way it
finds new ledger rows, without missing a transaction that commits late.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        r"""
        create schema if not exists onboarding;

        create table onboarding.customers (
            customer_id                    text primary key,
            person_type                    text not null,
            document                       text not null,
            legal_name                     text not null,
            declared_cnae                  text,
            declared_monthly_revenue_minor bigint not null,
            currency                       text not null default 'BRL',
            contact_email                  text,
            contact_phone                  text,
            expected_payment_mix           text not null,
            onboarded_at                   timestamptz not null default now(),
            updated_at                     timestamptz not null default now(),
            version_xid                    xid8 not null default pg_current_xact_id(),
            constraint ck_customers_customer_id_format
                check (customer_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
            constraint ck_customers_person_type_known check (person_type in ('PJ', 'PF')),
            -- Normalised: 11 digits for a CPF; 12 of [0-9A-Z] and 2 check digits for a CNPJ.
            constraint ck_customers_document_format check (
                (person_type = 'PF' and document ~ '^[0-9]{11}$')
                or (person_type = 'PJ' and document ~ '^[0-9A-Z]{12}[0-9]{2}$')
            ),
            constraint uq_customers_document unique (document),
            constraint ck_customers_declared_cnae_of_companies check (
                declared_cnae is null or (person_type = 'PJ' and declared_cnae ~ '^[0-9]{7}$')
            ),
            constraint ck_customers_revenue_not_negative
                check (declared_monthly_revenue_minor >= 0),
            constraint ck_customers_currency_iso4217 check (currency ~ '^[A-Z]{3}$'),
            constraint ck_customers_expected_payment_mix_known
                check (expected_payment_mix in ('card', 'cash', 'transfer', 'mixed')),
            constraint ck_customers_updated_after_onboarded check (updated_at >= onboarded_at)
        );
        create index ix_customers_version_xid on onboarding.customers (version_xid);

        create function onboarding.stamp_version_xid() returns trigger language plpgsql as $$
        begin
            new.version_xid := pg_current_xact_id();
            return new;
        end
        $$;
        create trigger customers_version_xid before update on onboarding.customers
            for each row execute function onboarding.stamp_version_xid();
        -- A customer is never removed: the register is what compliance answers for.
        create trigger customers_kept before delete or truncate on onboarding.customers
            for each statement execute function ledger.refuse_change();
        """
    )


def downgrade() -> None:
    op.execute("drop schema onboarding cascade")
