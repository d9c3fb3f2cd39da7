{#- The newest value of a timestamp column in the model's own table (optionally of the rows a
    condition keeps), as a literal, for an incremental run to read what was loaded after it.
    A literal rather than a subquery: against a subquery's result PostgreSQL guesses a third of
    the source is newer, and at 10,000,000 postings it then hashed every ledger entry and
    transfer to add the day's 50,000 (int_compliance__operations: 39 s). A unit test's `this` is
    a fixture in the query, so there it stays a subquery. -#}
{% macro newest_loaded(column, condition=none) -%}
    {%- set rows -%}
        {{ this }}{% if condition %} where {{ condition }}{% endif %}
    {%- endset -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        (select coalesce(max({{ column }}), '-infinity'::timestamptz) from {{ rows }})
    {%- else -%}
        {%- set newest = run_query(
            'select max(' ~ column ~ ')::text from ' ~ rows
        ).columns[0].values()[0] -%}
        '{{ newest or "-infinity" }}'::timestamptz
    {%- endif -%}
{%- endmacro %}
