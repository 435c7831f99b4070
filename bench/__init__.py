"""Benchmarks of the pipeline (``make bench``): see bench/run.py and bench/synth.py."""
