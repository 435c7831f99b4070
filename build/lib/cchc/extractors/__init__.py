"""Bytes → RawReport: one module per accepted format, chosen from the file's bytes."""
