{#- The ledger's audit chain in analysable form: one row per sealed record.
    Incremental by seq: a run adds the records after the last one here. Whether a record links
    to the one before is computed against the previous row, read back from this table for the
    first record of a run. -#}
{{
    config(
        materialized='incremental',
        unique_key='seq',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['seq'], 'unique': true},
            {'columns': ['entity_type', 'entity_id']},
            {'columns': ['business_date']},
        ],
    )
}}

with records as (
    select * from {{ ref('stg_ledger__audit_log') }}
    {% if is_incremental() -%}
    where seq > (select coalesce(max(seq), 0) from {{ this }})
    {%- endif %}
),

{% if is_incremental() -%}
last_record_here as (
    select seq, hash_hex from {{ this }} order by seq desc limit 1
),
{%- endif %}

chained as (
    select
        records.*,
        -- lag() is null only for a run's first record: its predecessor is the last one here.
        coalesce(
            lag(seq) over by_seq,
            {% if is_incremental() %}(select seq from last_record_here){% else %}null{% endif %}
        ) as previous_seq,
        coalesce(
            lag(hash_hex) over by_seq,
            {% if is_incremental() %}(select hash_hex from last_record_here){% else %}null{% endif %}
        ) as previous_hash_hex
    from records
    window by_seq as (order by seq)
),

changes as (
    select
        chained.seq,
        array(
            select keys.key
            from (
                select jsonb_object_keys(coalesce(chained.before_state, '{}'::jsonb)) as key
                union
                select jsonb_object_keys(coalesce(chained.after_state, '{}'::jsonb))
            ) as keys
            where (chained.before_state -> keys.key)
                is distinct from (chained.after_state -> keys.key)
            order by keys.key
        ) as changed_fields
    from chained
)

select
    chained.seq,
    chained.recorded_at,
    {{ business_date('chained.recorded_at', "'America/Sao_Paulo'") }} as business_date,
    chained.principal,
    case
        when chained.principal like 'key:%' then 'api_key'
        when chained.principal like 'cli:%' then 'cli'
        else 'other'
    end as principal_kind,
    chained.action,
    chained.request_id,
    chained.entity_type,
    chained.entity_id,
    coalesce(
        chained.after_state ->> 'tenant_id',
        chained.before_state ->> 'tenant_id',
        case when chained.entity_type = 'tenant' then chained.entity_id end
    ) as tenant_id,
    changes.changed_fields,
    chained.before_state,
    chained.after_state,
    chained.hash_hex,
    chained.prev_hash_hex,
    case
        when chained.previous_seq is null
            -- The chain's first record links to the genesis hash (core_ledger.services.audit).
            then chained.seq = 1
            and chained.prev_hash_hex
                = encode(sha256(convert_to('fluxo audit chain', 'UTF8')), 'hex')
        else chained.seq = chained.previous_seq + 1
            and chained.prev_hash_hex = chained.previous_hash_hex
    end as links_to_previous
from chained
inner join changes on changes.seq = chained.seq
