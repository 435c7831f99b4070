"""cchc: the district's nightly pipeline for commune administrative-reform (CCHC) reports."""

__version__ = "0.1.0"
