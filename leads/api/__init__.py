"""The leads API: serializers and views per area; routes in ``leads/api_urls.py``."""
