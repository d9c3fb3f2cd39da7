{# Helpers shared by the AML rules (models/intermediate/compliance/int_aml__*). #}

{# The first business date a rule looks at: `aml_scan_days` before the newest operation. An
   operation older than 45 days can no longer be selected in time (Circular 3.978, art. 39), and
   alerts already raised stay in fct_aml_alerts (incremental), so each run reads only recent
   operations. A first build or a backfill that must look further passes a larger value. #}
{% macro aml_scan_start() -%}
    (select max(business_date) - {{ var('aml_scan_days') | int }}
     from {{ ref('int_compliance__operations') }})
{%- endmacro %}

{# Rules that compare with the past (dormancy, months before) read this much further back. #}
{% macro aml_history_start() -%}
    ({{ aml_scan_start() }} - {{ var('aml_baseline_days') | int }})
{%- endmacro %}

{# The operations a rule reads, from `start` on. #}
{% macro aml_operations(start) -%}
    select * from {{ ref('int_compliance__operations') }}
    where business_date >= {{ start }}
{%- endmacro %}

{# The weekday after a date (Saturday and Sunday skipped). No holiday calendar yet: a national
   holiday counts as a business day, which can only make a deadline earlier, never later. #}
{% macro next_business_day(date_expression) -%}
    (({{ date_expression }}) + case extract(isodow from ({{ date_expression }}))
        when 5 then 3
        when 6 then 2
        else 1
    end)::date
{%- endmacro %}
