"""licscan: license compliance scanner for machine-learning models.

Quick start::

    from licscan.scan import ScanOptions, scan
    from licscan.targets import parse_target
    result = scan([parse_target("meta-llama/Llama-3.1-8B")], ScanOptions())
"""

# The only place the version is written (hatch reads it for the wheel and the sdist): SemVer,
# the version being prepared; docs/release.md says when it changes.
__version__ = "0.1.0"
