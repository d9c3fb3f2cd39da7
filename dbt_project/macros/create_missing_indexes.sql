{#- A post-hook of every incremental model (dbt_project.yml): dbt creates a model's configured
    indexes only when it creates the table, so an index added to the config later would reach a
    warehouse built before it only with a full refresh. This creates each configured index the
    table lacks (same columns, same uniqueness), once; every other run it costs one catalog
    query. -#}
{% macro create_missing_indexes() -%}
    {%- if execute and config.get('materialized') == 'incremental' -%}
        {%- set existing_query -%}
            select string_agg(attribute.attname, ',' order by key.position)
                   || case when index.indisunique then ':unique' else '' end
            from pg_index as index
            cross join unnest(index.indkey) with ordinality as key(attnum, position)
            join pg_attribute as attribute
                on attribute.attrelid = index.indrelid and attribute.attnum = key.attnum
            where index.indrelid = '{{ this.include(database=false) }}'::regclass
            group by index.indexrelid, index.indisunique
        {%- endset -%}
        {%- set existing = run_query(existing_query).columns[0].values() -%}
        {%- for index in config.get('indexes', []) -%}
            {%- set parsed = adapter.parse_index(index) -%}
            {%- set signature = parsed.columns | join(',')
                ~ (':unique' if parsed.unique else '') -%}
            {%- if signature not in existing %}
                {{ get_create_index_sql(this, index) }};
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
