"""Site profiles: one ``<host>.json`` per site the generic discovery or extractors cannot read.

The ``"crawl"`` key is read by the portal spider (govcheck.profile); ``"evaluation"`` by the evaluator.
"""
