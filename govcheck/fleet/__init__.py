"""Fleet mode: many nodes crawling one inspection round through Redis (see README, "Running on a cluster").

``round`` keeps the round's site queue, leases and progress; ``worker`` is a job's side of it (every
round call of a crawl, when each site is done, the idle close); ``dupefilter`` scopes scrapy-redis's
fingerprints per round and site; ``politeness`` limits load per host and backend across all nodes;
``scrapyd`` talks to Scrapyd's JSON API.
"""
