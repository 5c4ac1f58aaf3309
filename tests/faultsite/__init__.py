"""A fault-injection copy of the 뉴스21 통신 demo outlet, with a ledger of everything it served.

See :mod:`tests.faultsite.server`: :func:`serve` starts it on 127.0.0.1, :data:`FAULTS` lists
the per-article faults and what a crawl must make of each.
"""

from tests.faultsite.server import FAULTS, Fault, FaultServer, Ledger, serve

__all__ = ["FAULTS", "Fault", "FaultServer", "Ledger", "serve"]
