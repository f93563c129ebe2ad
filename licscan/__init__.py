"""licscan: license compliance scanner for machine-learning models.

Quick start::

    from licscan.scan import ScanOptions, scan
    from licscan.targets import parse_target
    result = scan([parse_target("meta-llama/Llama-3.1-8B")], ScanOptions())
"""

__version__ = "0.1.0"
