{# Helpers for bank reconciliation: account keys, text comparison and business-day distance. #}

{# A statement file's account as `<COMPE code>/<account>`: the bank code as three digits, since
   OFX writes BANKID 0341 where CSV layouts say 341. Unknown parts are spelled out, never null. #}
{% macro statement_bank_account_id(bank_id_column, account_id_column, file_checksum_column) -%}
    coalesce(lpad(nullif(ltrim({{ bank_id_column }}, '0'), ''), 3, '0'), 'unknown')
        || '/'
        || coalesce({{ account_id_column }}, 'file-' || left({{ file_checksum_column }}, 12))
{%- endmacro %}

{# Text for comparing descriptions: lower case, no accents, runs of anything but letters and
   digits as one space. #}
{% macro comparable_text(column) -%}
    trim(regexp_replace(
        translate(
            lower({{ column }}),
            'áàâãäéèêëíìîïóòôõöúùûüçñ',
            'aaaaaeeeeiiiiooooouuuucn'
        ),
        '[^a-z0-9]+', ' ', 'g'
    ))
{%- endmacro %}

{# A date's number among weekdays (Monday to Friday) counted from a Monday epoch; a Saturday or
   Sunday shares the preceding Friday's number. The difference of two is the business days
   between them. No holiday calendar: bank holidays count as business days. #}
{% macro business_day_number(date_expression) -%}
    (
        5 * floor((({{ date_expression }}) - date '2001-01-01') / 7.0)::integer
        + least(((({{ date_expression }}) - date '2001-01-01') % 7 + 7) % 7 + 1, 5)
    )
{%- endmacro %}

{# The most calendar days a pair's two dates can be apart: every 7 calendar days add exactly 5 to
   business_day_number, so dates 7 * (window // 5 + 1) or more days apart are more than `window`
   business days apart. #}
{% macro reconciliation_window_calendar_days() -%}
    {{ return(7 * (var('reconciliation_date_window_business_days') | int // 5 + 1) - 1) }}
{%- endmacro %}

{# Every ledger entry / bank line pair that may be matched, with the rule that would match them
   (1 matched: same amount, same business date; 2 date_mismatch: same amount, another date within
   the window; 3 amount_mismatch: same date and direction, amounts apart by at most the tolerance,
   one description containing the other) and how far apart they are. Both relations need
   merchant_id, currency, signed_amount_minor, business_date and description; the ledger one
   ledger_item_id and occurred_at, the bank one bank_line_id and booked_at. Two equi-joins (on the
   amount, on the date) rather than one on the merchant, so the pairs stay few.

   The business-day gap cannot use an index, so the window is also bounded in calendar days
   (reconciliation_window_calendar_days), which the (merchant_id, business_date,
   signed_amount_minor) indexes of both sides can. It is written from both sides, since an index
   is used only for a bound on its own column. #}
{% macro reconciliation_candidate_pairs(ledger_relation, bank_relation) -%}
    {%- set window_days = var('reconciliation_date_window_business_days') | int -%}
    {%- set window_calendar_days = reconciliation_window_calendar_days() -%}
    {%- set tolerance = var('reconciliation_amount_tolerance_minor') | int -%}
    {%- set business_day_gap -%}
        abs({{ business_day_number('bank.business_date') }}
            - {{ business_day_number('ledger.business_date') }})
    {%- endset -%}
    {%- set ledger_text = comparable_text('ledger.description') -%}
    {%- set bank_text = comparable_text('bank.description') -%}
    select
        ledger.ledger_item_id,
        bank.bank_line_id,
        case when bank.business_date = ledger.business_date then 1 else 2 end as match_rule,
        0::bigint as amount_gap_minor,
        {{ business_day_gap }} as business_day_gap,
        abs(bank.business_date - ledger.business_date) as day_gap,
        abs(extract(epoch from bank.booked_at - ledger.occurred_at)) as seconds_gap
    from {{ ledger_relation }} as ledger
    inner join {{ bank_relation }} as bank
        on bank.merchant_id = ledger.merchant_id
        and bank.currency = ledger.currency
        and bank.signed_amount_minor = ledger.signed_amount_minor
        and bank.business_date between ledger.business_date - {{ window_calendar_days }}
            and ledger.business_date + {{ window_calendar_days }}
        and ledger.business_date between bank.business_date - {{ window_calendar_days }}
            and bank.business_date + {{ window_calendar_days }}
    where {{ business_day_gap }} <= {{ window_days }}

    union all

    select
        ledger.ledger_item_id,
        bank.bank_line_id,
        3 as match_rule,
        abs(bank.signed_amount_minor - ledger.signed_amount_minor)::bigint as amount_gap_minor,
        0 as business_day_gap,
        0 as day_gap,
        abs(extract(epoch from bank.booked_at - ledger.occurred_at)) as seconds_gap
    from {{ ledger_relation }} as ledger
    inner join {{ bank_relation }} as bank
        on bank.merchant_id = ledger.merchant_id
        and bank.currency = ledger.currency
        and bank.business_date = ledger.business_date
        and sign(bank.signed_amount_minor) = sign(ledger.signed_amount_minor)
    where abs(bank.signed_amount_minor - ledger.signed_amount_minor) between 1 and {{ tolerance }}
        and {{ ledger_text }} <> ''
        and {{ bank_text }} <> ''
        and (
            position({{ ledger_text }} in {{ bank_text }}) > 0
            or position({{ bank_text }} in {{ ledger_text }}) > 0
        )
{%- endmacro %}

{# Whether fct_bank_reconciliation may hold a row of an item int_reconciliation__rebuilt_items
   lists: one it held when the list was made, or any item when the mart has matched rows since
   the list was made (that run stored the list's new items; materializing the mart again without
   a new list must replace them, not insert them twice). #}
{% macro rebuilt_item_was_stored(rebuilt) -%}
    ({{ rebuilt }}.previous_business_date is not null
     or {{ rebuilt }}.listed_at < {{ newest_literal(this, 'reconciled_at') }})
{%- endmacro %}
