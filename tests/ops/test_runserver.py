"""``make run``'s web server (``manage.py runserver``) answers without Nagle's ~40 ms delay."""

from django.core.management import get_commands, load_command_class
from django.core.servers.basehttp import WSGIRequestHandler


def test_runserver_is_ops_command_and_keeps_whitenoise_nostatic():
    assert get_commands()["runserver"] == "ops"
    command = load_command_class("ops", "runserver")
    parser = command.create_parser("manage.py", "runserver")
    assert parser.get_default("use_static_handler") is False  # whitenoise serves static files


def test_runserver_serves_with_a_handler_that_disables_nagle():
    command = load_command_class("ops", "runserver")
    # Django's run() builds the command's server_cls with its own WSGIRequestHandler
    server = command.server_cls(("127.0.0.1", 0), WSGIRequestHandler)
    try:
        handler = server.RequestHandlerClass
    finally:
        server.server_close()
    assert issubclass(handler, WSGIRequestHandler)
    assert handler.disable_nagle_algorithm is True  # TCP_NODELAY on every accepted connection
