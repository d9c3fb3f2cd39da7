-- Double entry: each transfer's debits equal its credits, per currency.
select transfer_id, currency,
       sum(amount_minor) filter (where direction = 'debit') as debits_minor,
       sum(amount_minor) filter (where direction = 'credit') as credits_minor
from {{ ref('stg_ledger__postings') }}
group by transfer_id, currency
having coalesce(sum(amount_minor) filter (where direction = 'debit'), 0)
    <> coalesce(sum(amount_minor) filter (where direction = 'credit'), 0)
