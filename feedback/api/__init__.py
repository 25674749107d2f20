"""The feedback API: serializers and views per area; routes in ``feedback/api_urls.py``."""
