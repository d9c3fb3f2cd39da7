{#- Tests over the staged statement lines read only the latest statement load in a daily build,
    as the ledger's tests read the latest ledger load (ledger_tests_since.sql): a load writes
    its files' lines in one transaction, every line stamped with its start, so the load's lines
    are those with the newest _loaded_at, and a staged line taken from them carries it too. The
    primary key of raw.statement_lines and the staged table's unique index refuse a duplicate
    anywhere. `--vars '{ledger_tests_scope: all}'` (the Sunday run) tests every row. -#}
{% macro statement_tests_since() -%}
    {{ return(tests_since('raw.statement_lines', '_loaded_at')) }}
{%- endmacro %}
