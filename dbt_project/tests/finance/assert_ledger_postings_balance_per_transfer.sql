-- Double entry: each transfer's debits equal its credits, per currency. A transfer's postings
-- arrive in one load, so a daily build checks the latest load's (macros/ledger_tests_since.sql).
select transfer_id, currency,
       sum(amount_minor) filter (where direction = 'debit') as debits_minor,
       sum(amount_minor) filter (where direction = 'credit') as credits_minor
from {{ ref('stg_ledger__postings') }}
where _loaded_at >= {{ ledger_tests_since() }}
group by transfer_id, currency
having coalesce(sum(amount_minor) filter (where direction = 'debit'), 0)
    <> coalesce(sum(amount_minor) filter (where direction = 'credit'), 0)
