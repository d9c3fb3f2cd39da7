{#- One row per bank transaction of the statement files, overlapping statements deduplicated.

    Two files of one account list the same transaction when their periods overlap. A line with a
    FITID is the same transaction as a line of the same account with the same FITID; a bank that
    repeats a FITID inside one file means distinct transactions, so the n-th repeat in one file
    matches the n-th in another. A line without FITID (CSV exports) is the same transaction as
    the line of another file of the account with the same date, amount and description, again
    pairing the n-th of identical lines in each file. The line kept is the one from the file
    loaded last. -#}
{#- A table, rebuilt each run, unlike the other staging models: deduplicating takes two window
    passes over every line of every file, and each of its tests and readers ran them again (eight
    tests of 4 to 9 s each on 500,000 lines at the 10M bench). -#}
{{ config(materialized='table') }}
with lines as (
    select
        lines.*,
        {{ statement_bank_account_id('lines.bank_id', 'lines.account_id', 'lines.file_checksum') }}
            as bank_account_id
    from {{ source('statements', 'statement_lines') }} as lines
),

keyed as (
    select
        *,
        case
            when fitid is not null then 'fitid:' || fitid
            else 'line:' || posted_date::text || ':' || amount_minor::text || ':'
                || {{ comparable_text('description') }}
        end as transaction_key
    from lines
),

occurrences as (
    select
        *,
        row_number() over (
            partition by file_checksum, bank_account_id, transaction_key order by line_number
        ) as occurrence_in_file
    from keyed
),

ranked as (
    select
        *,
        row_number() over (
            partition by bank_account_id, transaction_key, occurrence_in_file
            order by _loaded_at desc, file_checksum desc
        ) as file_rank,
        count(*) over (
            partition by bank_account_id, transaction_key, occurrence_in_file
        ) as file_count
    from occurrences
)

select
    md5(bank_account_id || '|' || transaction_key || '|' || occurrence_in_file::text)
        as statement_line_id,
    bank_account_id,
    bank_id,
    branch_id,
    account_id,
    fitid,
    trntype,
    amount_minor as signed_amount_minor,
    abs(amount_minor)::bigint as amount_minor,
    currency,
    posted_at,
    posted_date,
    description,
    reference,
    file_checksum,
    line_number,
    file_count::integer as file_count,
    _loaded_at as loaded_at
from ranked
where file_rank = 1
