"""Spiders: what to fetch. The site's markup is read by `arrahmah.page`, never here."""
