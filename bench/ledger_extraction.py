"""How fast the ledger's postings reach the warehouse's `raw` layer, and in how much memory
(issue 4's target: 1,000,000 postings in at most 30 s, peak RSS at most 1 GB whatever the volume).

Run: `.venv/bin/python -m bench.ledger_extraction [postings] [counterparty share]` (default
1,000,000 and 0). It starts its own embedded PostgreSQL under a temporary FLUXO_HOME, writes the
postings straight into the ledger database (500,000 balanced transfers of two postings, made by
SQL so that generating them is not what is measured; the given share of them, from 0 to 1, name a
counterparty's CPF, which the copy tokenizes row by row), then times one `load_ledger` run, the
same call the Dagster asset makes, and a second run that finds nothing new.
"""

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from fluxo import databases, embedded
from fluxo.migrations import migrate
from fluxo.settings import Settings
from ingestion.documents import TOKEN_KEY_ENV
from ingestion.ledger.load import load_ledger

ACCOUNTS = 1000


def main() -> None:
    postings = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    counterparty_share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    os.environ.setdefault(TOKEN_KEY_ENV, "bench-document-token-key-" + "0" * 32)
    home = Path(tempfile.mkdtemp(prefix="fluxo-bench-"))
    os.environ["FLUXO_HOME"] = str(home)
    settings = Settings()
    try:
        urls = databases.resolve(settings)
        migrate(urls)
        print(f"cores: {os.cpu_count()}   PostgreSQL: embedded 16 (ledger and warehouse on it)")
        started = time.perf_counter()
        _write_postings(urls.ledger_dsn, postings // 2, counterparty_share)
        print(
            f"generated {postings:,} postings in {time.perf_counter() - started:.1f} s "
            f"({counterparty_share:.0%} of the transfers name a counterparty document)"
        )

        started = time.perf_counter()
        results = load_ledger(urls.ledger_dsn, urls.warehouse_dsn)
        elapsed = time.perf_counter() - started
        loaded = {r.raw_table: r.rows_loaded for r in results}
        print(
            f"load: {loaded['raw.ledger_postings']:,} postings "
            f"(and {loaded['raw.ledger_transfers']:,} transfers, "
            f"{loaded['raw.ledger_entries']:,} entries) in {elapsed:.1f} s: "
            f"{loaded['raw.ledger_postings'] / elapsed:,.0f} postings/s"
        )
        started = time.perf_counter()
        again = load_ledger(urls.ledger_dsn, urls.warehouse_dsn)
        print(
            f"re-run: {sum(r.rows_loaded for r in again)} rows loaded "
            f"in {time.perf_counter() - started:.2f} s"
        )
        # ru_maxrss is in KiB on Linux: the loader streams COPY chunks, so this stays flat.
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the loading process: {peak_mib:.0f} MiB")
    finally:
        embedded.stop(settings.embedded_data_dir)
        shutil.rmtree(home, ignore_errors=True)


def _write_postings(ledger_dsn: str, transfers: int, counterparty_share: float) -> None:
    """Merchant tenants with cash and external accounts, then `transfers` credit entries of two
    postings each. The per-row balance trigger and the account totals are beside the point here
    (the extraction copies rows), so the rows go in with triggers off, as a restore would."""
    statements = [
        """
        insert into ledger.tenants (tenant_id, name, kind)
        select 'bench-' || n, 'Bench ' || n, 'merchant' from generate_series(1, %(tenants)s) n
        """,
        """
        insert into ledger.accounts (account_id, tenant_id, code, name, currency, account_type,
            balance_policy)
        select gen_random_uuid(), 'bench-' || n, code, code, 'BRL',
               case code when 'cash' then 'liability' else 'asset' end,
               case code when 'cash' then 'never_negative' else 'unrestricted' end
        from generate_series(1, %(tenants)s) n cross join (values ('cash'), ('external')) c(code)
        """,
        """
        create temp table bench_transfers as
        select gen_random_uuid() as transfer_id, 'bench-' || (1 + n %% %(tenants)s) as tenant_id,
               n, now() - (n %% 730) * interval '1 day' as occurred_at
        from generate_series(1, %(transfers)s) n
        """,
        """
        insert into ledger.transfers (transfer_id, tenant_id, currency, description, category,
            occurred_at, counterparty_document, counterparty_country)
        select transfer_id, tenant_id, 'BRL', 'bench', 'sales', occurred_at,
               case when n %% 1000 < %(counterparty_per_mille)s
                    then lpad((n %% 100000000000)::text, 11, '0') end,
               case when n %% 1000 < %(counterparty_per_mille)s then 'BR' end
        from bench_transfers
        """,
        """
        insert into ledger.postings (transfer_id, account_id, direction, amount_minor,
            balance_after_minor, account_version, occurred_at)
        select t.transfer_id, a.account_id,
               case a.code when 'cash' then 'credit' else 'debit' end,
               100 + t.n %% 10000, 0, t.n, t.occurred_at
        from bench_transfers t join ledger.accounts a using (tenant_id)
        """,
    ]
    parameters = {
        "tenants": ACCOUNTS // 2,
        "transfers": transfers,
        "counterparty_per_mille": round(counterparty_share * 1000),
    }
    with psycopg.connect(ledger_dsn) as conn:
        conn.execute("set session_replication_role = replica")
        for statement in statements:
            conn.execute(statement, parameters)


if __name__ == "__main__":
    main()
