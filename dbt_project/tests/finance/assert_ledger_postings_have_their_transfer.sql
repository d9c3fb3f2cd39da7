-- Every posting's transfer is in the warehouse (a relationships test, written out so that a daily
-- build looks up the latest load's transfers by key: dbt's generic test joins every transfer).
select postings.posting_id, postings.transfer_id
from {{ ref('stg_ledger__postings') }} as postings
left join lateral (
    select true as found
    from {{ ref('stg_ledger__transfers') }} as transfers
    where transfers.transfer_id = postings.transfer_id
    limit 1
) as transfer on true
where postings._loaded_at >= {{ ledger_tests_since() }}
    and transfer.found is null
