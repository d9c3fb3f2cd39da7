{#- The audit chain is whole in the mart: seq runs 1, 2, 3 ... without a gap, and each record's
    prev_hash is the hash of the record before it (the genesis hash for the first). Recomputed
    over the whole table, independently of the links_to_previous column. Returns the records that
    break it. -#}
with trail as (
    select
        seq,
        prev_hash_hex,
        lag(seq) over (order by seq) as previous_seq,
        lag(hash_hex) over (order by seq) as previous_hash_hex
    from {{ ref('fct_audit_trail') }}
)

select seq, prev_hash_hex, previous_seq, previous_hash_hex
from trail
where
    (previous_seq is null and (
        seq <> 1
        or prev_hash_hex <> encode(sha256(convert_to('fluxo audit chain', 'UTF8')), 'hex')
    ))
    or (previous_seq is not null and (
        seq <> previous_seq + 1 or prev_hash_hex <> previous_hash_hex
    ))
