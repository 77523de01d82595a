"""The JSON API (django-ninja) under /api/v1: one error body, session or token auth, scoped.

Every handler receives `request.scope` (set by `auth`) and passes it to selectors and
services; errors all answer `{"error": code, "message": text, "fields": {name: message}}`.
"""
