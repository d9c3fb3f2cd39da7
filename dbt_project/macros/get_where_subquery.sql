{#- dbt's own where-subquery, with the placeholders a test's `where` config may hold replaced when
    the test runs (a config is rendered when the project is parsed, before any load or build):
    - `__ledger_tests_since__`: the start of the latest ledger load (ledger_tests_since.sql);
    - `__reconciliation_tests_since__`: the latest matching run of fct_bank_reconciliation
      (reconciliation_tests_since.sql);
    - `__statement_tests_since__`: the latest statement file load (statement_tests_since.sql). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__ledger_tests_since__' in where -%}
            {%- set where = where | replace('__ledger_tests_since__', ledger_tests_since()) -%}
        {%- endif -%}
        {%- if '__statement_tests_since__' in where -%}
            {%- set where = where | replace('__statement_tests_since__', statement_tests_since()) -%}
        {%- endif -%}
        {%- if '__reconciliation_tests_since__' in where -%}
            {%- set where = where | replace(
                '__reconciliation_tests_since__', reconciliation_tests_since(relation)
            ) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}


{#- The bound a placeholder stands for: the newest value of the column (newest_literal), or
    '-infinity', every row, when the build tests every row (`--vars '{ledger_tests_scope: all}'`,
    the Sunday run) or when the project is only being parsed. -#}
{% macro tests_since(relation, column, condition=none) -%}
    {%- if not execute or var('ledger_tests_scope', 'latest_load') == 'all' -%}
        {{ return("'-infinity'::timestamptz") }}
    {%- endif -%}
    {{ return(newest_literal(relation, column, condition)) }}
{%- endmacro %}
