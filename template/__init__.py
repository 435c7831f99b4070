"""What both the readers and the meaning stand on: the report's template and its low-level pieces.

Below extractors/ and transforms/: it imports neither (nor any other room of cchc but
cchc.errors), so that a reader can know the appendix's shape without knowing what it means, and
the meaning can be read without knowing how bytes were read.
"""
