{#- Tests over fct_bank_reconciliation read only the rows the latest run matched in a daily build:
    a run deletes and matches again whole components of items around what is new, stamping them
    with its start (reconciled_at), and every other row was tested by the run that wrote it. The
    mart's unique indexes refuse a duplicate ledger entry or bank line anywhere in the table.
    `--vars '{ledger_tests_scope: all}'` (the Sunday run) tests every row. A literal
    (newest_literal), so the planner reads the rows through the reconciled_at index. -#}
{% macro reconciliation_tests_since(relation) -%}
    {{ return(tests_since(relation, 'reconciled_at')) }}
{%- endmacro %}
