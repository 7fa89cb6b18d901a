"""Pure text builders, no I/O: one module per report, every untrusted string
escaped for where it goes."""
