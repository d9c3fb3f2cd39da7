"""Streamlit dashboards over the warehouse marts (never the ledger database)."""
