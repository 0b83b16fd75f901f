"""`/healthz` (the process answers) and `/readyz` (it can serve: database reachable and at the
schema the code needs, Redis reachable). Outside `/api/v1`: they are for load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ...store import migrate
from .. import schemas
from ..context import state

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=schemas.Health)
def healthz():
    return schemas.Health(status="ok")


@router.get("/readyz", response_model=schemas.Health, responses={503: {"model": schemas.Health}})
def readyz(request: Request):
    app = state(request)
    checks: dict[str, str] = {}
    try:
        with app.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current, head = migrate.current_revision(app.db.engine), migrate.head_revision()
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == head else f"at {current}, code needs {head}"
    except Exception as exc:  # any failure means "not ready"; its class says which kind
        checks["database"] = f"unreachable ({type(exc).__name__})"
    if app.redis is not None:
        try:
            app.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"unreachable ({type(exc).__name__})"
    ok = all(v == "ok" for v in checks.values())
    body = schemas.Health(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
