"""The onboarding register's bank accounts: which bank account belongs to which merchant.

Reconciliation and AML attribute a bank line to a merchant through this table: an Open Finance
account (its `accountId`) or a statement file's account (`<COMPE code>/<account>`, the form the
warehouse's statement staging builds: `341/56789-0` for BANKID 0341, ACCTID 56789-0). The key
is the account, so an account belongs to one merchant; and that merchant never changes (a
trigger refuses it), since the warehouse re-reads only the new owner's entries when an account
appears. A row is never removed, like a customer. `version_xid` is stamped on insert and update
as on `onboarding.customers`, so the warehouse copy finds new versions the same way.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        r"""
        create table onboarding.bank_accounts (
            source          text not null,
            bank_account_id text not null,
            merchant_id     text not null,
            registered_at   timestamptz not null default now(),
            updated_at      timestamptz not null default now(),
            version_xid     xid8 not null default pg_current_xact_id(),
            constraint pk_bank_accounts primary key (source, bank_account_id),
            constraint fk_bank_accounts_merchant_id_tenants
                foreign key (merchant_id) references ledger.tenants (tenant_id),
            constraint ck_bank_accounts_source_known
                check (source in ('openfinance', 'statement_file')),
            -- Open Finance: the Accounts API's accountId pattern. Statement files: the COMPE code
            -- in three digits (0341 -> 341), a slash, the account as the file gives it (no
            -- blanks); the warehouse spells a file without a bank code 'unknown/', never '000/'.
            constraint ck_bank_accounts_bank_account_id_format check (
                (source = 'openfinance' and bank_account_id ~ '^[a-zA-Z0-9][a-zA-Z0-9-]{0,99}$')
                or (
                    source = 'statement_file'
                    and bank_account_id ~ '^[0-9]{3}/\S{1,100}$'
                    and bank_account_id !~ '^000/'
                )
            ),
            constraint ck_bank_accounts_updated_after_registered
                check (updated_at >= registered_at)
        );
        create index ix_bank_accounts_merchant_id on onboarding.bank_accounts (merchant_id);
        create index ix_bank_accounts_version_xid on onboarding.bank_accounts (version_xid);

        create trigger bank_accounts_version_xid before update on onboarding.bank_accounts
            for each row execute function onboarding.stamp_version_xid();

        create function onboarding.refuse_bank_account_move() returns trigger
        language plpgsql as $$
        begin
            raise exception 'bank account %/% belongs to merchant %: it cannot move',
                    old.source, old.bank_account_id, old.merchant_id
                using errcode = 'restrict_violation';
        end
        $$;
        create trigger bank_accounts_owner_kept before update on onboarding.bank_accounts
            for each row
            when (
                old.merchant_id is distinct from new.merchant_id
                or old.source is distinct from new.source
                or old.bank_account_id is distinct from new.bank_account_id
            )
            execute function onboarding.refuse_bank_account_move();
        create trigger bank_accounts_kept before delete or truncate on onboarding.bank_accounts
            for each statement execute function ledger.refuse_change();
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop table onboarding.bank_accounts;
        drop function onboarding.refuse_bank_account_move();
        """
    )
