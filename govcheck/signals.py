"""govcheck's own crawl signals (Scrapy's are per spider; a fleet job crawls many sites).

``site_opened(context)``: a site's crawl begins (the storage pipeline opens its crawl row).
``site_closed(context, stats)``: its last callback has ended (the pipeline flushes and finishes the row).
``site_stored(context, reason)``: its row is finished in the database (the evaluator may run).
Each passes the site's :class:`govcheck.context.CrawlContext`.
"""

site_opened = object()
site_closed = object()
site_stored = object()
