{#- One row per sealed audit record, hashes as hex text. -#}
select
    seq,
    recorded_at,
    principal,
    action,
    request_id,
    entity_type,
    entity_id,
    before as before_state,
    after as after_state,
    encode(prev_hash, 'hex') as prev_hash_hex,
    encode(hash, 'hex') as hash_hex,
    _loaded_at as loaded_at
from {{ source('ledger', 'ledger_audit_log') }}
