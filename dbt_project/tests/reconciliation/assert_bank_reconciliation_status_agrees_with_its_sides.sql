{#- Each status has the sides, amounts and dates it claims: matched pairs agree on amount and
    date, date_mismatch pairs on amount only, amount_mismatch pairs on date and direction within
    the tolerance; the difference is always bank minus ledger.
    A daily build checks the rows its run matched (reconciled_at); the others were checked when
    they were matched. `--vars '{ledger_tests_scope: all}'` checks every item. -#}
{%- set reconciliation = ref('fct_bank_reconciliation') -%}
select *
from {{ reconciliation }}
where reconciled_at >= {{ reconciliation_tests_since(reconciliation) }}
  and not (
    case status
        when 'matched' then
            ledger_amount_minor = bank_amount_minor
            and ledger_business_date = bank_business_date
        when 'date_mismatch' then
            ledger_amount_minor = bank_amount_minor
            and ledger_business_date <> bank_business_date
        when 'amount_mismatch' then
            ledger_business_date = bank_business_date
            and sign(ledger_amount_minor) = sign(bank_amount_minor)
            and abs(bank_amount_minor - ledger_amount_minor)
                between 1 and {{ var('reconciliation_amount_tolerance_minor') }}
        when 'only_in_ledger' then ledger_entry_id is not null and bank_line_id is null
        when 'only_in_bank' then ledger_entry_id is null and bank_line_id is not null
        else false
    end
    and difference_minor = coalesce(bank_amount_minor, 0) - coalesce(ledger_amount_minor, 0)
)
