"""The WSGI application. WeCom's callback POSTs take a lean path around Django's middleware.

A callback needs none of what the middleware stack does (sessions, auth, CSRF, language,
messages), yet WeCom sends one request per event and bursts of thousands; the stack cost
about a third of the web process's time per callback. The lean path runs the same handler as
the Django view (`wecom.views.callback_handle`) inside Django's request signals, so database
connections are managed exactly as for any request. Everything else goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
django_application = get_wsgi_application()

from django.core import signals  # noqa: E402 (after Django is set up)

from siyu.wecom.views import callback_handle  # noqa: E402

CALLBACK_PATH = "/wecom/callback"
MAX_CALLBACK_BYTES = 64 * 1024  # a WeCom event is a few hundred bytes


def application(environ, start_response):
    if environ.get("PATH_INFO") != CALLBACK_PATH or environ.get("REQUEST_METHOD") != "POST":
        return django_application(environ, start_response)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 < length <= MAX_CALLBACK_BYTES:
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
        return [b""]
    signals.request_started.send(sender=application, environ=environ)
    try:
        status, text = callback_handle(
            method="POST",
            query_string=environ.get("QUERY_STRING", ""),
            body=environ["wsgi.input"].read(length),
            remote=environ.get("REMOTE_ADDR", ""),
        )
    finally:
        signals.request_finished.send(sender=application)
    reason = "200 OK" if status == 200 else "403 Forbidden"
    start_response(reason, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]
