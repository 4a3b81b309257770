"""`jingzhun runserver` serves CSS and JavaScript with DEBUG off where the settings ask for it."""

from __future__ import annotations

from wsgiref.util import setup_testing_defaults

from django.core.management import get_commands, load_command_class


def _get(handler, path: str) -> tuple[str, bytes]:
    environ = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    status = []
    body = b"".join(handler(environ, lambda s, headers, exc_info=None: status.append(s)))
    return status[0], body


def _handler():
    command = load_command_class(get_commands()["runserver"], "runserver")
    return command.get_handler(use_static_handler=True, insecure_serving=False)


def test_runserver_serves_the_stylesheet_with_debug_off_in_the_development_settings(settings):
    settings.DEBUG = False
    settings.SERVE_STATIC = True
    assert get_commands()["runserver"] == "jingzhun.core"
    status, body = _get(_handler(), "/static/web/css/app.css")
    assert status.startswith("200")
    assert b"{" in body


def test_runserver_leaves_static_files_to_the_front_server_without_serve_static(settings):
    settings.DEBUG = False
    settings.SERVE_STATIC = False
    status, _ = _get(_handler(), "/static/web/css/app.css")
    assert status.startswith("404")
