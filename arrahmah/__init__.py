"""arrahmah: a Scrapy crawler that turns arrahmahnews.com into a clean JSONL dataset."""
