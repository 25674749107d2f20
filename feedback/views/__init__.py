"""Browser pages for the feedback domain, one module per area. Every write calls the same
service as the API; a refused action comes back as a message (or a 403/404), never a 500."""
