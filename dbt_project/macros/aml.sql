{# Helpers shared by the AML rules (models/intermediate/compliance/int_aml__*). #}

{# The first business date a rule looks at: `aml_scan_days` before the newest operation. An
   operation older than 45 days can no longer be selected in time (Circular 3.978, art. 39), and
   alerts already raised stay in fct_aml_alerts (incremental), so each run reads only recent
   operations. A first build or a backfill that must look further passes a larger value.
   The newest date is read when the rule's view is built (each run, after the operations) and
   written into it as a literal: against a subquery PostgreSQL guessed that a third of the
   operations were recent, and each of the 13 rules read all 5 million at the 10M bench. With no
   operations yet it is '-infinity', and every rule reads none. A unit test's operations are a
   fixture inside the query, so there it stays a subquery. #}
{% macro aml_scan_start() -%}
    {%- set operations = ref('int_compliance__operations') -%}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set newest = newest_literal(operations, 'business_date', type='date') -%}
        ({{ newest }} - {{ var('aml_scan_days') | int }})
    {%- else -%}
        (select max(business_date) - {{ var('aml_scan_days') | int }} from {{ operations }})
    {%- endif -%}
{%- endmacro %}

{# A rule whose alert on a day looks back over a window reads that window before the scan start,
   and no more: the rule's row count then follows the scan, not the history. #}
{% macro aml_window_start(calendar_days) -%}
    ({{ aml_scan_start() }} - {{ calendar_days }})
{%- endmacro %}

{# The calendar days a window of `span` business days ending on a day can reach back (weekends
   between; a weekend day counts as the Friday before): a bound, not the exact figure. #}
{% macro aml_business_window_calendar_days(span) -%}
    {{ span + 2 * ((span + 4) // 5) }}
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

{# Cash operations of the ledger per merchant, direction, currency and business date (optionally
   only those below an amount), with the date's weekday number: the days of rules 2 and 3. Reads
   the rule's `operations` CTE. The operations behind an alert are looked up for the alert's rows
   only (aml_cash_operation_ids), not gathered here for every day. #}
{% macro aml_cash_days(amount_below=none) -%}
    select
        merchant_id,
        direction,
        currency,
        business_date,
        {{ business_day_number('business_date') }} as business_day,
        sum(amount_minor) as amount_minor,
        count(*) as operation_count
    from operations
    where {{ aml_cash_operation(amount_below) }}
    group by merchant_id, direction, currency, business_date
{%- endmacro %}

{# Each cash day with the window of `span` business days ending on it (same merchant, direction
   and currency), up to its own date: the window's first date and totals, beside the day's own.
   Reads the rule's `cash_days` CTE (aml_cash_days).
   One pass of window functions over the days, where a join of each day to its earlier days
   grew with the square of a merchant's cash days (0.3 s of rule 2's 0.5 s at the 10M bench).
   A weekend day has the Friday's business-day number (business_day_number), so the frame's
   peers include the weekend days after a Friday: their totals are taken off again. #}
{% macro aml_cash_windows(span) -%}
    select
        merchant_id,
        direction,
        currency,
        business_date,
        amount_minor as day_amount_minor,
        operation_count as day_operation_count,
        window_start,
        frame_amount_minor - later_amount_minor as amount_minor,
        frame_operation_count - later_operation_count as operation_count
    from (
        select
            cash_days.*,
            min(business_date) over business_days as window_start,
            sum(amount_minor) over business_days as frame_amount_minor,
            sum(operation_count) over business_days as frame_operation_count,
            coalesce(sum(amount_minor) over later_same_business_day, 0) as later_amount_minor,
            coalesce(sum(operation_count) over later_same_business_day, 0)
                as later_operation_count
        from cash_days
        window
            business_days as (
                partition by merchant_id, direction, currency
                order by business_day
                range between {{ span - 1 }} preceding and current row
            ),
            later_same_business_day as (
                partition by merchant_id, direction, currency, business_day
                order by business_date
                rows between 1 following and unbounded following
            )
    ) as framed
{%- endmacro %}

{# The cash operations of an alert's merchant, direction and currency from its `first_day` (a
   column: aml_cash_windows' window_start, or a one-day alert's business_date) to its
   `business_date`, sorted: for the rows that raise an alert only, found in
   int_compliance__operations' index by merchant and date. A cash day between the two dates is in
   the window: business-day numbers never decrease with the date. `amount_below` as given to the
   rule's aml_cash_days. #}
{% macro aml_cash_operation_ids(alert, first_day='window_start', amount_below=none) -%}
    {{ aml_ledger_operation_ids(
        alert, first_day, 'business_date',
        'operations.direction = ' ~ alert ~ '.direction and ' ~ aml_cash_operation(amount_below)
    ) }}
{%- endmacro %}

{# Whether an operation counts in rules 2 and 3: a cash operation of the ledger (optionally one
   below an amount). #}
{% macro aml_cash_operation(amount_below=none) -%}
    source = 'ledger'
      and channel = 'cash'
      {%- if amount_below is not none %}
      and amount_minor < {{ amount_below }}
      {%- endif %}
{%- endmacro %}

{# Ledger credits per merchant, currency and calendar month, all of them and the cash ones apart,
   from the monthly totals (int_compliance__channel_months): rules 6 and 13. Every month the scan
   reaches counts whole, its first days before the scan start too. #}
{% macro aml_monthly_credits() -%}
    select
        merchant_id,
        currency,
        month_start,
        min(first_day) as first_day,
        max(last_day) as last_day,
        sum(volume_minor) as credits_minor,
        sum(operation_count) as operation_count,
        min(first_day) filter (where channel = 'cash') as first_cash_day,
        max(last_day) filter (where channel = 'cash') as last_cash_day,
        coalesce(sum(volume_minor) filter (where channel = 'cash'), 0) as cash_minor,
        coalesce(sum(operation_count) filter (where channel = 'cash'), 0) as cash_operations
    from {{ ref('int_compliance__channel_months') }}
    where direction = 'in'
      and month_start >= date_trunc('month', {{ aml_scan_start() }})::date
    group by merchant_id, currency, month_start
{%- endmacro %}

{# The ledger operations of an alert's merchant and currency from its `first_day` to its
   `last_day` (column names) that meet `condition`, sorted. For the rows that raise an alert only:
   a rule that reads totals (int_compliance__channel_months, int_compliance__merchant_days) finds
   the operations behind them in the index by merchant and date. #}
{% macro aml_ledger_operation_ids(alert, first_day, last_day, condition='true') -%}
    (
        select array_agg(operations.operation_id order by operations.operation_id)
        from {{ ref('int_compliance__operations') }} as operations
        where operations.merchant_id = {{ alert }}.merchant_id
          and operations.business_date between {{ alert }}.{{ first_day }}
              and {{ alert }}.{{ last_day }}
          and operations.source = 'ledger'
          and operations.currency = {{ alert }}.currency
          and {{ condition }}
    )
{%- endmacro %}
