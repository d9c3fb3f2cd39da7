"""Bank statement files (OFX 1.x/2.x, bank CSV exports) loaded from a landing folder into `raw`."""
