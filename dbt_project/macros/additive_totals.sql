{#- The select of an additive incremental model (int_compliance__channel_months,
    int_compliance__merchant_days), over its `new_totals` CTE: one row per key of `keys`. An
    incremental run adds each to the stored row of its key, if any: the `added` columns summed,
    the `earliest` the earlier of the two, the `latest` the later. A first build or a full refresh
    takes new_totals as they are. The `added` columns are bigint. -#}
{% macro additive_totals(keys, added, earliest=[], latest=[]) -%}
    {%- set incremental = is_incremental() -%}
    {%- set columns = [] -%}
    {%- for key in keys -%}
        {%- do columns.append('new_totals.' ~ key) -%}
    {%- endfor -%}
    {%- for column in added -%}
        {%- if incremental -%}
            {%- do columns.append('(new_totals.' ~ column ~ ' + coalesce(stored.' ~ column
                ~ ', 0))::bigint as ' ~ column) -%}
        {%- else -%}
            {%- do columns.append('new_totals.' ~ column ~ '::bigint as ' ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for function, names in [('least', earliest), ('greatest', latest)] -%}
        {%- for column in names -%}
            {%- if incremental -%}
                {%- do columns.append(function ~ '(new_totals.' ~ column ~ ', stored.' ~ column
                    ~ ') as ' ~ column) -%}
            {%- else -%}
                {%- do columns.append('new_totals.' ~ column) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor %}
select
    {{ columns | join(',\n    ') }}
from new_totals
{%- if incremental %}
left join {{ this }} as stored
    on {% for key in keys -%}
    {{ 'and ' if not loop.first }}stored.{{ key }} = new_totals.{{ key }}
    {% endfor -%}
{%- endif %}
{%- endmacro %}
