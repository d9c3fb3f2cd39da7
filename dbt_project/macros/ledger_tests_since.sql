{#- Tests over the ledger's postings, transfers and entries read only the latest ledger load in a
    daily build: each pipeline run loads the ledger and then builds, so each load is tested once,
    and a test's cost follows the day's postings rather than the whole history. Duplicates across
    loads are refused by the raw tables' primary keys and the marts' unique indexes. With
    `--vars '{ledger_tests_scope: all}'` a build tests every row: the nightly schedule's Sunday
    run does (orchestration/defs/daily/schedules.py), since a build that failed after its load
    leaves that load's rows untested by the next one; run it by hand after a full refresh.

    The start of the latest load is its transaction's start, recorded with the watermark; every
    row it wrote is stamped later (see ingestion/ledger/load.py). -#}
{% macro ledger_tests_since() -%}
    {{ return(tests_since('raw._load_watermarks', 'updated_at', "source like 'ledger:%'")) }}
{%- endmacro %}
