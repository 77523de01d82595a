"""Health check and the landing redirect."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from siyu.org.web import scope_required


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness with the database's status: 200 when it answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as exc:  # any driver error means the database is not usable
        database = {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}
        status = 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database}, status=status
    )


@scope_required
def home(request: HttpRequest) -> HttpResponse:
    """Guides and store managers land on the mobile workbench, everyone else on the console."""
    if request.scope.role in ("guide", "store_manager"):  # type: ignore[attr-defined]
        return redirect("workbench")
    return redirect("console")
