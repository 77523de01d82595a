"""Cross-cutting pieces: health check, home routing, shared page helpers and commands."""
