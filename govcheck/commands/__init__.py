"""Scrapy commands of the govcheck project (``COMMANDS_MODULE``): each module's ``Command`` replaces
Scrapy's command of the same name."""
