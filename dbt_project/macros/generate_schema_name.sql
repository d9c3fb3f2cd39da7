{# Models land in the schema their folder names (staging, intermediate, marts), not prefixed by the
   target's schema: analysts query `marts.fct_daily_cash_flow`. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}
