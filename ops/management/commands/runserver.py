"""``manage.py runserver`` (what ``make run`` serves with) without Nagle's algorithm.

Django's development handler writes a response's status line, its headers and its body in
separate small ``send()`` calls. On a kept-alive connection (every browser) the later ones wait
for the client's delayed ACK of the first: about 40 ms added to every response on loopback
(measured: a page 44 ms, 2 ms without). socketserver's own switch,
``disable_nagle_algorithm``, sets TCP_NODELAY on each accepted connection; Django's ``run()``
hard-codes its handler class, so the server swaps in one with the switch on.

This is whitenoise's ``runserver`` (no static handler: whitenoise serves static files, as in
production) with that server; ``ops`` is listed before ``whitenoise.runserver_nostatic`` in
``INSTALLED_APPS`` so that this command is the one ``manage.py`` finds.
"""

from typing import Any

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as NoStaticRunserverCommand,
)


class NoDelayWSGIRequestHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True


class NoDelayWSGIServer(WSGIServer):
    def __init__(self, server_address: Any, handler_class: Any, *args: Any, **kwargs: Any) -> None:
        # run() passes WSGIRequestHandler itself; serve with the no-delay subclass instead.
        if handler_class is WSGIRequestHandler:
            handler_class = NoDelayWSGIRequestHandler
        super().__init__(server_address, handler_class, *args, **kwargs)


class Command(NoStaticRunserverCommand):
    server_cls = NoDelayWSGIServer
