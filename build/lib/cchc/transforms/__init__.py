"""RawReport → typed report: normalise, match rows to the catalog, read metadata, validate."""
