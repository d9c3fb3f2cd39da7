"""Double-entry ledger: tenants, accounts, transfers, postings, holds, audit chain, outbox.

Merchants become tenants of kind 'merchant' with a cash account and an external counter account;
each former entry becomes a transfer between the two, so existing data keeps its balances. The
old `merchants` and `entries` tables become views over the new model, which the warehouse
extraction keeps reading.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = """
create table ledger.tenants (
    tenant_id   text primary key,
    name        text not null,
    kind        text not null,
    currency    text not null default 'BRL',
    timezone    text not null default 'America/Sao_Paulo',
    created_at  timestamptz not null default now(),
    created_xid xid8 not null default pg_current_xact_id(),
    constraint ck_tenants_tenant_id_format check (tenant_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    constraint ck_tenants_kind_known check (kind in ('merchant', 'institution', 'system')),
    constraint ck_tenants_currency_iso4217 check (currency ~ '^[A-Z]{3}$')
);
create index ix_tenants_created_xid on ledger.tenants (created_xid);

create table ledger.accounts (
    account_id            uuid primary key,
    tenant_id             text not null references ledger.tenants,
    code                  text not null,
    name                  text not null,
    currency              text not null,
    account_type          text not null,
    normal_side           text not null generated always as (
        case when account_type in ('asset', 'expense') then 'debit' else 'credit' end
    ) stored,
    balance_policy        text not null,
    overdraft_limit_minor bigint not null default 0,
    posted_debits_minor   bigint not null default 0,
    posted_credits_minor  bigint not null default 0,
    pending_debits_minor  bigint not null default 0,
    pending_credits_minor bigint not null default 0,
    version               bigint not null default 0,
    created_at            timestamptz not null default now(),
    created_xid           xid8 not null default pg_current_xact_id(),
    constraint uq_accounts_tenant_id_code_currency unique (tenant_id, code, currency),
    constraint ck_accounts_code_format check (code ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    constraint ck_accounts_currency_iso4217 check (currency ~ '^[A-Z]{3}$'),
    constraint ck_accounts_account_type_known
        check (account_type in ('asset', 'liability', 'equity', 'revenue', 'expense')),
    constraint ck_accounts_balance_policy_known
        check (balance_policy in ('never_negative', 'overdraft', 'unrestricted')),
    constraint ck_accounts_overdraft_limit_fits_policy check (
        overdraft_limit_minor >= 0
        and (balance_policy = 'overdraft' or overdraft_limit_minor = 0)
    ),
    constraint ck_accounts_totals_not_negative check (
        least(posted_debits_minor, posted_credits_minor,
              pending_debits_minor, pending_credits_minor) >= 0
    ),
    -- The database itself refuses a balance its policy forbids; the service checks first only to
    -- name the account in the error.
    constraint ck_accounts_within_balance_policy check (
        balance_policy = 'unrestricted'
        or case when account_type in ('asset', 'expense')
                then posted_debits_minor - posted_credits_minor - pending_credits_minor
                else posted_credits_minor - posted_debits_minor - pending_debits_minor
           end >= -overdraft_limit_minor
    )
);
create index ix_accounts_created_xid on ledger.accounts (created_xid);

create table ledger.holds (
    hold_id             uuid primary key,
    tenant_id           text not null references ledger.tenants,
    currency            text not null,
    debit_account_id    uuid not null references ledger.accounts,
    credit_account_id   uuid not null references ledger.accounts,
    amount_minor        bigint not null,
    status              text not null default 'pending',
    posted_amount_minor bigint,
    expires_at          timestamptz,
    external_id         text,
    description         text not null,
    category            text,
    created_at          timestamptz not null default now(),
    resolved_at         timestamptz,
    created_xid         xid8 not null default pg_current_xact_id(),
    constraint uq_holds_tenant_id_external_id unique (tenant_id, external_id),
    constraint ck_holds_amount_positive check (amount_minor > 0),
    constraint ck_holds_status_known check (status in ('pending', 'posted', 'voided', 'expired')),
    constraint ck_holds_distinct_accounts check (debit_account_id <> credit_account_id),
    constraint ck_holds_posted_amount_fits check (
        (status = 'posted') = (posted_amount_minor is not null)
        and coalesce(posted_amount_minor between 1 and amount_minor, true)
    )
);
create index ix_holds_expires_at_pending on ledger.holds (expires_at) where status = 'pending';

create table ledger.transfers (
    transfer_id          uuid primary key,
    tenant_id            text not null references ledger.tenants,
    currency             text not null,
    kind                 text not null default 'transfer',
    reverses_transfer_id uuid unique references ledger.transfers,
    hold_id              uuid unique references ledger.holds,
    external_id          text,
    description          text not null,
    category             text,
    occurred_at          timestamptz not null,
    created_at           timestamptz not null default now(),
    created_xid          xid8 not null default pg_current_xact_id(),
    constraint uq_transfers_tenant_id_external_id unique (tenant_id, external_id),
    constraint ck_transfers_kind_known check (kind in ('transfer', 'reversal', 'hold_posting')),
    constraint ck_transfers_reversal_linked
        check ((kind = 'reversal') = (reverses_transfer_id is not null)),
    constraint ck_transfers_hold_linked check ((kind = 'hold_posting') = (hold_id is not null))
);
create index ix_transfers_created_xid on ledger.transfers (created_xid);
create index ix_transfers_tenant_id_occurred_at on ledger.transfers (tenant_id, occurred_at);

create table ledger.postings (
    posting_id          bigint generated always as identity primary key,
    transfer_id         uuid not null references ledger.transfers,
    account_id          uuid not null references ledger.accounts,
    direction           text not null,
    amount_minor        bigint not null,
    -- The account's balance (on its normal side) right after this posting, and its version:
    -- versions number an account's postings 1, 2, 3... in the order they were applied.
    balance_after_minor bigint not null,
    account_version     bigint not null,
    occurred_at         timestamptz not null,
    posted_at           timestamptz not null default clock_timestamp(),
    created_xid         xid8 not null default pg_current_xact_id(),
    constraint uq_postings_account_id_account_version unique (account_id, account_version),
    constraint uq_postings_transfer_id_account_id unique (transfer_id, account_id),
    constraint ck_postings_direction_known check (direction in ('debit', 'credit')),
    constraint ck_postings_amount_positive check (amount_minor > 0)
);
create index ix_postings_account_id_occurred_at
    on ledger.postings (account_id, occurred_at, posting_id);
create index ix_postings_created_xid on ledger.postings (created_xid);

create table ledger.audit_log (
    seq         bigint primary key,
    recorded_at timestamptz not null,
    principal   text not null,
    action      text not null,
    request_id  text,
    entity_type text not null,
    entity_id   text not null,
    before      jsonb,
    after       jsonb,
    prev_hash   bytea not null,
    hash        bytea not null
);

-- One row: the end of the audit chain. Appending locks it, so records chain in commit order.
create table ledger.audit_chain_head (
    singleton boolean primary key default true,
    seq       bigint not null,
    hash      bytea not null,
    constraint ck_audit_chain_head_one_row check (singleton)
);
insert into ledger.audit_chain_head (seq, hash)
values (0, sha256(convert_to('fluxo audit chain', 'UTF8')));

create table ledger.outbox (
    event_id     bigint generated always as identity primary key,
    event_type   text not null,
    aggregate_id text not null,
    payload      jsonb not null,
    created_at   timestamptz not null default now(),
    -- Consumers read by transaction id below the snapshot's xmin, never by event_id alone: ids
    -- are taken at insert but become visible at commit, out of order.
    created_xid  xid8 not null default pg_current_xact_id()
);
create index ix_outbox_created_xid_event_id on ledger.outbox (created_xid, event_id);

create table ledger.api_keys (
    key_id      text primary key,
    secret_hash text not null,
    name        text not null,
    role        text not null,
    tenant_id   text references ledger.tenants,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz,
    constraint ck_api_keys_role_known check (role in ('merchant', 'operator', 'auditor', 'admin')),
    constraint ck_api_keys_merchant_has_tenant check ((role = 'merchant') = (tenant_id is not null))
);

create schema if not exists read_model;
create table read_model.daily_account_totals (
    account_id    uuid not null,
    business_date date not null,
    debits_minor  bigint not null,
    credits_minor bigint not null,
    debit_count   integer not null,
    credit_count  integer not null,
    primary key (account_id, business_date)
);
create table read_model.checkpoints (
    consumer      text primary key,
    last_xid      xid8 not null,
    last_event_id bigint not null,
    updated_at    timestamptz not null default now()
);
"""

# Former merchants and entries, moved onto the new model with their ids and transaction ids, so
# the warehouse extraction does not see them again as new.
DATA = """
insert into ledger.tenants (tenant_id, name, kind, currency, timezone, created_at, created_xid)
select merchant_id, name, 'merchant', currency, timezone, created_at, created_xid
from ledger.merchants;

insert into ledger.accounts (account_id, tenant_id, code, name, currency, account_type,
                             balance_policy, created_at, created_xid)
select gen_random_uuid(), merchant_id, 'cash', 'Caixa', currency, 'liability', 'unrestricted',
       created_at, created_xid
from ledger.merchants
union all
select gen_random_uuid(), merchant_id, 'external', 'Contrapartida externa', currency, 'asset',
       'unrestricted', created_at, created_xid
from ledger.merchants;

insert into ledger.transfers (transfer_id, tenant_id, currency, external_id, description,
                              category, occurred_at, created_at, created_xid)
select entry_id, merchant_id, currency, external_id, description, category, occurred_at,
       created_at, created_xid
from ledger.entries;

insert into ledger.postings (transfer_id, account_id, direction, amount_minor,
                             balance_after_minor, account_version, occurred_at, posted_at,
                             created_xid)
select legs.entry_id, accounts.account_id, legs.direction, legs.amount_minor,
       sum(case when (accounts.account_type = 'asset') = (legs.direction = 'debit')
                then legs.amount_minor else -legs.amount_minor end)
           over (partition by accounts.account_id order by legs.created_at, legs.entry_id),
       row_number() over (partition by accounts.account_id
                          order by legs.created_at, legs.entry_id),
       legs.occurred_at, legs.created_at, legs.created_xid
from (
    select entry_id, merchant_id, 'cash' as code, entry_type as direction, amount_minor,
           occurred_at, created_at, created_xid
    from ledger.entries
    union all
    select entry_id, merchant_id, 'external',
           case entry_type when 'credit' then 'debit' else 'credit' end, amount_minor,
           occurred_at, created_at, created_xid
    from ledger.entries
) as legs
join ledger.accounts on accounts.tenant_id = legs.merchant_id and accounts.code = legs.code;

update ledger.accounts
set posted_debits_minor = totals.debits,
    posted_credits_minor = totals.credits,
    version = totals.postings
from (
    select account_id,
           coalesce(sum(amount_minor) filter (where direction = 'debit'), 0) as debits,
           coalesce(sum(amount_minor) filter (where direction = 'credit'), 0) as credits,
           count(*) as postings
    from ledger.postings
    group by account_id
) as totals
where accounts.account_id = totals.account_id;

-- Cash accounts take the default policy unless their history already went below zero.
update ledger.accounts set balance_policy = 'never_negative'
where code = 'cash' and posted_credits_minor >= posted_debits_minor;

insert into read_model.daily_account_totals
select postings.account_id,
       (postings.occurred_at at time zone tenants.timezone)::date,
       coalesce(sum(amount_minor) filter (where direction = 'debit'), 0),
       coalesce(sum(amount_minor) filter (where direction = 'credit'), 0),
       count(*) filter (where direction = 'debit'),
       count(*) filter (where direction = 'credit')
from ledger.postings
join ledger.accounts using (account_id)
join ledger.tenants using (tenant_id)
group by 1, 2;

-- The platform's own books: settlement with banks and fee revenue, in reais.
insert into ledger.tenants (tenant_id, name, kind) values ('fluxo', 'Fluxo', 'system');
insert into ledger.accounts (account_id, tenant_id, code, name, currency, account_type,
                             balance_policy)
values (gen_random_uuid(), 'fluxo', 'settlement', 'Liquidação bancária', 'BRL', 'asset',
        'unrestricted'),
       (gen_random_uuid(), 'fluxo', 'fees', 'Receita de tarifas', 'BRL', 'revenue',
        'unrestricted');

drop table ledger.entries;
drop table ledger.merchants;
"""

VIEWS = """
create view ledger.merchants as
select tenant_id as merchant_id, name, currency, timezone, created_at, created_xid
from ledger.tenants
where kind = 'merchant';

-- A merchant's lançamentos: every posting on its cash account. A credit is money in.
create view ledger.entries as
select transfers.transfer_id as entry_id,
       accounts.tenant_id as merchant_id,
       postings.direction as entry_type,
       postings.amount_minor,
       accounts.currency,
       transfers.occurred_at,
       transfers.description,
       coalesce(transfers.category, '') as category,
       transfers.external_id,
       transfers.created_at,
       postings.created_xid
from ledger.postings
join ledger.accounts on accounts.account_id = postings.account_id
join ledger.transfers on transfers.transfer_id = postings.transfer_id
where accounts.code = 'cash';
"""

# History is append-only in the database itself, whatever code or person connects.
GUARDS = """
create function ledger.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only: % refused', tg_table_name, tg_op
        using errcode = 'restrict_violation',
              hint = 'correct a transfer with a reversal, never by editing history';
end
$$;

create trigger postings_append_only before update or delete or truncate on ledger.postings
    for each statement execute function ledger.refuse_change();
create trigger transfers_append_only before update or delete or truncate on ledger.transfers
    for each statement execute function ledger.refuse_change();
create trigger audit_log_append_only before update or delete or truncate on ledger.audit_log
    for each statement execute function ledger.refuse_change();
create trigger outbox_append_only before update or delete or truncate on ledger.outbox
    for each statement execute function ledger.refuse_change();

-- Checked at commit, when all of a transfer's postings are in: two or more, one currency (the
-- transfer's), debits equal to credits.
create function ledger.check_transfer_balanced() returns trigger language plpgsql as $$
declare
    legs bigint;
    debits numeric;
    credits numeric;
    foreign_legs bigint;
begin
    select count(*),
           coalesce(sum(p.amount_minor) filter (where p.direction = 'debit'), 0),
           coalesce(sum(p.amount_minor) filter (where p.direction = 'credit'), 0),
           count(*) filter (where a.currency <> t.currency)
      into legs, debits, credits, foreign_legs
      from ledger.postings p
      join ledger.accounts a on a.account_id = p.account_id
      join ledger.transfers t on t.transfer_id = p.transfer_id
     where p.transfer_id = new.transfer_id;
    if legs < 2 or debits <> credits or foreign_legs > 0 then
        raise exception 'transfer % is unbalanced: % postings, debits %, credits %, '
                        '% in another currency',
            new.transfer_id, legs, debits, credits, foreign_legs
            using errcode = 'check_violation';
    end if;
    return null;
end
$$;

create constraint trigger postings_balanced after insert on ledger.postings
    deferrable initially deferred
    for each row execute function ledger.check_transfer_balanced();
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(DATA)
    op.execute(VIEWS)
    op.execute(GUARDS)
    op.execute("alter table ledger.idempotency_keys add column principal text not null default ''")
    op.execute(
        "alter table ledger.idempotency_keys drop constraint pk_idempotency_keys, "
        "add constraint pk_idempotency_keys primary key (principal, idempotency_key)"
    )


# Back to merchants and entries: each merchant's cash postings become its entries again. What the
# old model cannot hold (other tenants and accounts, holds, the audit chain, the outbox) is lost.
DOWNGRADE = """
create table ledger.merchants_before_0003 as select * from ledger.merchants;
create table ledger.entries_before_0003 as select * from ledger.entries;
drop view ledger.entries;
drop view ledger.merchants;
drop schema read_model cascade;
drop table ledger.outbox, ledger.audit_chain_head, ledger.audit_log, ledger.api_keys,
           ledger.postings, ledger.transfers, ledger.holds, ledger.accounts, ledger.tenants;
drop function ledger.check_transfer_balanced();
drop function ledger.refuse_change();
alter table ledger.merchants_before_0003 rename to merchants;
alter table ledger.entries_before_0003 rename to entries;
alter table ledger.merchants add constraint pk_merchants primary key (merchant_id),
    alter column currency set default 'BRL',
    alter column timezone set default 'America/Sao_Paulo',
    alter column created_at set default now(),
    alter column created_xid set default pg_current_xact_id(),
    add constraint ck_merchants_merchant_id_format
        check (merchant_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    add constraint ck_merchants_currency_iso4217 check (currency ~ '^[A-Z]{3}$');
alter table ledger.entries add constraint pk_entries primary key (entry_id),
    alter column created_at set default now(),
    alter column created_xid set default pg_current_xact_id(),
    add constraint fk_entries_merchant_id_merchants
        foreign key (merchant_id) references ledger.merchants,
    add constraint ck_entries_entry_type_known check (entry_type in ('credit', 'debit')),
    add constraint ck_entries_amount_positive check (amount_minor > 0),
    add constraint ck_entries_currency_iso4217 check (currency ~ '^[A-Z]{3}$'),
    add constraint uq_entries_merchant_id_external_id unique (merchant_id, external_id);
alter table ledger.entries alter column external_id drop not null;
create index ix_entries_merchant_id_occurred_at on ledger.entries (merchant_id, occurred_at);
create index ix_entries_created_xid on ledger.entries (created_xid);
create index ix_merchants_created_xid on ledger.merchants (created_xid);
"""


def downgrade() -> None:
    op.execute(
        "alter table ledger.idempotency_keys drop constraint pk_idempotency_keys, "
        "drop column principal, "
        "add constraint pk_idempotency_keys primary key (idempotency_key)"
    )
    op.execute(DOWNGRADE)
