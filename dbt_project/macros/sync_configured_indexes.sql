{#- A post-hook of every incremental model (dbt_project.yml): makes the table's indexes the ones
    its config lists. dbt creates configured indexes only when it creates the table, so without
    this an index added to the config would reach a warehouse built before it only with a full
    refresh, and one removed from it (or replaced by other columns) would stay, costing every
    insert. This creates each configured index the table lacks (same columns, same uniqueness)
    and drops each index the config no longer lists, except those that back a constraint. On a
    table already in line it costs one catalog query. -#}
{% macro sync_configured_indexes() -%}
    {%- if execute and config.get('materialized') == 'incremental' -%}
        {%- set existing_query -%}
            select
                string_agg(attribute.attname, ',' order by key.position)
                    || case when index.indisunique then ':unique' else '' end as signature,
                index.indexrelid::regclass::text as index_name,
                exists (
                    select 1 from pg_constraint as constraint_
                    where constraint_.conindid = index.indexrelid
                ) as backs_constraint
            from pg_index as index
            cross join unnest(index.indkey) with ordinality as key(attnum, position)
            join pg_attribute as attribute
                on attribute.attrelid = index.indrelid and attribute.attnum = key.attnum
            where index.indrelid = '{{ this.include(database=false) }}'::regclass
            group by index.indexrelid, index.indisunique
        {%- endset -%}
        {%- set existing = run_query(existing_query) -%}
        {%- set existing_signatures = existing.columns[0].values() -%}
        {%- set configured_signatures = [] -%}
        {%- for index in config.get('indexes', []) -%}
            {%- set parsed = adapter.parse_index(index) -%}
            {%- set signature = parsed.columns | join(',')
                ~ (':unique' if parsed.unique else '') -%}
            {%- do configured_signatures.append(signature) -%}
            {%- if signature not in existing_signatures %}
                {{ get_create_index_sql(this, index) }};
            {%- endif -%}
        {%- endfor -%}
        {%- for row in existing.rows -%}
            {%- if row['signature'] not in configured_signatures and not row['backs_constraint'] %}
                drop index {{ row['index_name'] }};
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
