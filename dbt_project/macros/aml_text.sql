{#- The pieces of an AML alert's `detail`, a sentence in Portuguese for the compliance team
    (the dashboard shows it as is): money as R$ 1.234,56, months as mm/aaaa, and the codes the
    rules key on (direction, channel) in words. -#}

{% macro brl(minor) -%}
    ('R$ ' || translate(to_char(({{ minor }}) / 100.0, 'FM999,999,999,999,990.00'), ',.', '.,'))
{%- endmacro %}

{% macro month_br(month_start) -%}
    to_char({{ month_start }}, 'MM/YYYY')
{%- endmacro %}

{% macro direction_br(direction) -%}
    (case {{ direction }} when 'in' then 'entrada' when 'out' then 'saída' else {{ direction }} end)
{%- endmacro %}

{#- The channels of the aml_category_channels seed; one the seed gains shows as its code. -#}
{% macro channel_br(channel) -%}
    (case {{ channel }}
        when 'cash' then 'espécie'
        when 'card' then 'cartão'
        when 'pix' then 'Pix'
        when 'transfer' then 'transferência'
        when 'boleto' then 'boleto'
        when 'bill' then 'conta'
        when 'fee' then 'tarifa'
        when 'tax' then 'tributo'
        when 'payroll' then 'folha de pagamento'
        else {{ channel }}
    end)
{%- endmacro %}
