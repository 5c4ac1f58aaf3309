"""The crawl dashboard (``scrapy report -O report.html``): one self-contained HTML page.

Three layers, data flowing one way:

* :mod:`newscrawl.dashboard.data`: what the page says, read from the run reports
  (:mod:`newscrawl.extensions.report` writes them) and the state store (its ``items()``);
  plain Python, no plotting, tested on synthetic reports and a filled store;
* :mod:`newscrawl.dashboard.charts`: matplotlib figures drawn to SVG markup (the only module
  that imports matplotlib, so a crawl never loads it);
* :mod:`newscrawl.dashboard.page`: the HTML page: charts inlined as ``<svg>``, tables, every
  text from the data escaped.
"""
