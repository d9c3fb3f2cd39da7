{#- The `replace_reloaded` incremental strategy: dbt's delete+insert, for a model whose rows keep
    the load time they were first given in a `loaded_at` column, as the models do that add what
    the ledger copy loaded since their newest row.

    A stored row that this run writes again was loaded no later than the newest load stored, so
    only the run's rows loaded by then (or without a load time) look for a stored row to replace.
    The run's new rows, loaded later, are inserted without a look-up each. dbt's delete looked
    every new key up in the unique index: at the 10M bench, 50,000 random probes into an index
    of 5 million keys, most of its pages not in memory. dbt's delete and insert (one statement)
    took 44.9 s in int_reconciliation__ledger_entries, 11.8 s in fct_ledger_postings and 12.8 s
    in int_compliance__operations; with this and time-ordered transfer ids, 6.0 s, 1.8 s and
    0.6 s.

    The keys to replace are passed as one array: against `in (select ...)` PostgreSQL may hash the
    whole stored table for a few keys; an array always goes through the unique index. -#}
{% macro get_incremental_replace_reloaded_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- if unique_key is not string -%}
        {{ exceptions.raise_compiler_error(
            'replace_reloaded needs a unique_key of one column, not ' ~ unique_key) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ unique_key }} = any(array(
        select {{ unique_key }} from {{ source }}
        where loaded_at is null or loaded_at <= {{ newest_literal(target, 'loaded_at') }}
    ));

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{% endmacro %}
