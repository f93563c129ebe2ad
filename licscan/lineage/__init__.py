"""Lineage: base models and datasets, and the terms a derivative inherits."""
