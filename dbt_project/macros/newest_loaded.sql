{#- The newest value of a column of a relation (of the rows a condition keeps), a timestamptz
    unless `type` says otherwise, read when the node runs and returned as a literal, '-infinity'
    when there is none. A literal rather than a subquery: against a subquery's result PostgreSQL
    guesses a third of the rows are newer, and at 10,000,000 postings it then hashed every ledger
    entry and transfer to add the day's 50,000 (int_compliance__operations: 39 s). Every
    load-time watermark of an incremental model, of the rebuilt reconciliation items or of a
    scoped test, and the AML rules' scan start, go through here. -#}
{% macro newest_literal(relation, column, condition=none, type='timestamptz') -%}
    {%- set query -%}
        select max({{ column }})::text from {{ relation }}
        {%- if condition %} where {{ condition }}{% endif %}
    {%- endset -%}
    {%- set newest = run_query(query).columns[0].values()[0] -%}
    {{ return("'" ~ (newest or '-infinity') ~ "'::" ~ type) }}
{%- endmacro %}


{#- What an incremental model has loaded: the newest value of `column` in its own table. A unit
    test's `this` is a fixture inside the query, so there it stays a subquery. -#}
{% macro newest_loaded(column, condition=none) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        (select coalesce(max({{ column }}), '-infinity'::timestamptz) from {{ this }}
         {%- if condition %} where {{ condition }}{% endif %})
    {%- else -%}
        {{ newest_literal(this, column, condition) }}
    {%- endif -%}
{%- endmacro %}
