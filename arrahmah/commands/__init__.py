"""The project's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` with a truthful exit status."""
