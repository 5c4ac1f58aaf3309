"""newscrawl: Korean regional news sites into clean, deduplicated, validated article datasets."""

#: The release, as in pyproject.toml (a test keeps the two equal); used in the User-Agent and the run report.
__version__ = "0.4.0"
