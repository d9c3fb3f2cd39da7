"""Ledger rules and units of work: each public function is one transaction."""
