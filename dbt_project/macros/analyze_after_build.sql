{#- A post-hook of every table the project builds (dbt_project.yml): PostgreSQL's statistics
    of a table just created wait for autovacuum, up to a minute later, and the models and tests
    that read it in the same build are planned without them. Without them
    assert_bank_reconciliation_leaves_no_matchable_pair nested-looped over a daily run's rebuilt
    items: 21 s instead of 3.5 s on the 1,000,000-posting bench warehouse.

    An incremental table that already has statistics is left to autovacuum, which analyzes it
    once a tenth of it has changed: a daily run adds about 1 % of its rows, and the planner reads
    the newest values of an indexed column from the index anyway. ANALYZE samples 30,000 pages
    at random whatever the table's size: at the 10M bench that took up to 17.7 s on a 5-million-row
    table whose pages were not in memory. A model whose same-build readers select the run's own
    rows by a column with no index to read them from sets `analyze_every_run`. -#}
{% macro analyze_after_build() -%}
    {%- set materialized = config.get('materialized') -%}
    {%- if materialized == 'table' or (
        materialized == 'incremental'
        and (config.get('analyze_every_run', false) or not has_statistics(this))
    ) -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}


{% macro has_statistics(relation) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select exists (
            select from pg_stats
            where schemaname = '{{ relation.schema }}' and tablename = '{{ relation.identifier }}'
        )
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}
