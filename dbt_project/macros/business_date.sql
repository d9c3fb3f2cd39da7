{# The business day of a timestamptz: its calendar date in the given IANA time zone. #}
{% macro business_date(timestamp_column, timezone_column) -%}
    (({{ timestamp_column }}) at time zone ({{ timezone_column }}))::date
{%- endmacro %}
