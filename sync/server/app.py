"""The programme office HTTP service: push, pull, attachments, health, and the office pages.

Built by `create_app(engine)` with everything handed in (no import-time settings), so tests
bind an httpx client to it with no sockets and a fake clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from sync.protocol import (
    DEVICE_HEADER,
    MAX_PULL,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    BlobResult,
    Enrolment,
    ErrorBody,
    Health,
    HoldsRequest,
    HoldsResponse,
    KeyRegistered,
    KeyRegistration,
    PullResponse,
    PushRequest,
    PushResponse,
    Snapshot,
    TeamVisits,
    version_problem,
)
from sync.server import blob_types, holds, keys, store
from sync.server.auth import Principal
from sync.server.intake import parse_push, read_body, results_in_order
from sync.server.office_key import OfficeKey, office_key
from sync.server.operations import install_access_log, readiness_problem
from sync.server.web import mount as mount_web
from visitapp.domain import hlc as hlc_mod
from visitapp.domain.op_schema import IDENT

MAX_BLOB_BYTES = 50 * 1024 * 1024  # the tablet refuses photos over 40 MB
SHA_PATTERN = r"^[0-9a-f]{64}$"


class ProtocolError(store.OfficeError):
    status = 426


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def protocol(version: Annotated[str | None, Header(
        alias=PROTOCOL_HEADER, description="Sync protocol version of the client")] = None,
) -> int:
    try:
        number = None if version is None else int(version)
    except ValueError:
        raise ProtocolError(f"{PROTOCOL_HEADER} must be a number: update the app") from None
    problem = version_problem(number)
    if problem:
        raise ProtocolError(problem)
    assert number is not None
    return number


def principal(request: Request, authorization: Annotated[str | None, Header()] = None,
              ) -> Principal:
    return store.authenticate(request.app.state.engine, _token(authorization))


Version = Annotated[int, Depends(protocol)]
Caller = Annotated[Principal, Depends(principal)]


def create_app(engine: Engine, *, now_ms: Callable[[], int] = hlc_mod.system_ms,
               max_blob_bytes: int = MAX_BLOB_BYTES) -> FastAPI:
    app = FastAPI(
        title="visitapp programme office",
        version=str(PROTOCOL_VERSION),
        description="Sync service for peer visit tablets: ops by push and pull, "
                    "attachments by SHA-256. Every /v1 call needs a bearer token and the "
                    f"{PROTOCOL_HEADER} header.",
        responses={401: {"model": ErrorBody}, 426: {"model": ErrorBody}},
    )
    app.state.engine = engine
    install_access_log(app)
    office_keys: list[OfficeKey] = []

    def the_office_key() -> OfficeKey:
        """The office's own key, read (or made) once per process."""
        if not office_keys:
            office_keys.append(office_key(engine, now=store.utc_now()))
        return office_keys[0]
    mount_web(app, engine, now_ms=now_ms)  # the office's pages for people (sync.server.web)

    @app.exception_handler(store.OfficeError)
    async def office_error(_request: Request, exc: store.OfficeError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors()[:10]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            problems.append(f"{where or 'request'}: {e.get('msg', 'invalid')}")
        return _error(422, "; ".join(problems))

    @app.get("/health", response_model=Health)
    def health() -> Health:
        return Health(status="ok", protocol=PROTOCOL_VERSION, min_protocol=MIN_PROTOCOL_VERSION,
                      server_time_ms=now_ms())

    @app.get("/ready", responses={503: {"model": ErrorBody}})
    def ready() -> JSONResponse:
        """200 when this worker can take pushes (database up, schema current), else 503."""
        problem = readiness_problem(engine)
        if problem:
            return _error(503, problem)
        return JSONResponse({"status": "ready"})

    @app.post("/v1/ops", response_model=PushResponse,
              responses={403: {"model": ErrorBody}, 413: {"model": ErrorBody},
                         422: {"model": ErrorBody}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}}}})
    async def push(request: Request, version: Version, caller: Caller) -> Response:
        """Store a batch of ops in one transaction; a result per op."""
        # Parsed here rather than by FastAPI: each op is checked on its own against the one
        # op schema, so a bad op is refused with its reason and the rest still go in.
        intake = parse_push(await read_body(request))
        problem = version_problem(intake.protocol)
        if problem:
            raise ProtocolError(problem)
        device = own_device(request, caller)
        office = await run_in_threadpool(the_office_key)
        accepted, clock = await run_in_threadpool(
            store.push, engine, caller, intake.ops, now_ms, device, office)
        results = results_in_order(intake, accepted)
        # The shape of PushResponse, written directly (a model per result costs more).
        body = {"protocol": version, "results": results, "server_time_ms": now_ms(),
                "server_hlc": clock}
        return Response(json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                        media_type="application/json")

    @app.get("/v1/ops", response_model=PullResponse)
    def pull(version: Version, caller: Caller,
             after: Annotated[int, Query(ge=0, lt=2**62)] = 0,
             limit: Annotated[int, Query(ge=1, le=MAX_PULL)] = 1000) -> Response:
        """Ops of the caller's team after the cursor, in order (an office token: all)."""
        store.touch(engine, caller)
        page = store.pull_page(engine, caller, after=after, limit=limit,
                               office=the_office_key())
        now = now_ms()
        # The shape of PullResponse, written directly: the rows come from our own tables.
        body = {"protocol": version, "ops": page.ops, "cursor": page.cursor,
                "has_more": page.has_more, "keys": page.keys, "server_time_ms": now,
                "server_hlc": max(page.team_hlc, hlc_mod.pack(now, 0))}
        return Response(json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                        media_type="application/json")

    @app.get("/v1/enrolment", response_model=Enrolment, responses={403: {"model": ErrorBody}})
    def enrolment(version: Version, caller: Caller) -> Enrolment:
        """What a tablet signs to register its key: its token's device record and the
        office's key (which the tablet pins, for the ops the office makes)."""
        if caller.is_office:
            raise store.Forbidden("an office token does not register a tablet key")
        return Enrolment(**keys.enrolment(caller, the_office_key()))

    @app.post("/v1/keys", response_model=KeyRegistered,
              responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
    def register_key(version: Version, caller: Caller,
                     registration: KeyRegistration) -> KeyRegistered:
        """Register a tablet's public key (with a proof that it holds the private key)
        and its legacy device ids, for the caller's device record and team."""
        try:
            done = keys.register(
                engine, caller, the_office_key(), public_key=registration.public_key,
                proof=registration.proof, legacy_device_ids=registration.legacy_device_ids,
                received=store.utc_now())
        except keys.RegistrationRefused as err:
            return _error(err.status, str(err))  # type: ignore[return-value]
        return KeyRegistered(**done)

    @app.put("/v1/holds", response_model=HoldsResponse, responses={403: {"model": ErrorBody}})
    def put_holds(version: Version, caller: Caller, body: HoldsRequest) -> HoldsResponse:
        """Every visit this tablet holds (a replace): its pulls send those, and the team's
        visits in progress."""
        problem = version_problem(body.protocol)
        if problem:
            raise ProtocolError(problem)
        return HoldsResponse(held=holds.set_holds(engine, _tablet(caller), body.visits))

    @app.get("/v1/visits", response_model=TeamVisits, responses={403: {"model": ErrorBody}})
    def team_visits(version: Version, caller: Caller) -> TeamVisits:
        """The team's visits at the office (id, system, date, status), newest first."""
        rows = holds.team_visits(engine, _tablet(caller))
        return TeamVisits.model_validate({"protocol": version, "visits": rows})

    @app.post("/v1/visits/{visit_id}/fetch", response_model=Snapshot,
              responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}})
    def fetch_visit(version: Version, caller: Caller,
                    visit_id: Annotated[str, Path(pattern=f"^{IDENT.pattern}$")]) -> Response:
        """Hold a visit of the team on this tablet from now on: its compact snapshot (per
        field the winning op and the competing ones); later ops come by pull."""
        ops = holds.fetch(engine, _tablet(caller), visit_id)
        if ops is None:
            raise store.NotFound(f"no visit {visit_id} of this team at the programme office")
        body = {"protocol": version, "visit_id": visit_id, "ops": ops,
                "keys": store.page_keys(engine, ops, the_office_key())}
        return Response(json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                        media_type="application/json")

    @app.put("/v1/blobs/{sha256}", response_model=BlobResult,
             responses={413: {"model": ErrorBody}, 415: {"model": ErrorBody},
                        422: {"model": ErrorBody}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string",
                                                         "format": "binary"}}}}})
    async def put_blob(request: Request, version: Version, caller: Caller,
                       sha256: Annotated[str, Path(pattern=SHA_PATTERN)]) -> BlobResult:
        """Upload an attachment by its SHA-256; re-hashed here, idempotent."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_blob_bytes:
            raise store.TooLarge(_too_large(int(declared), max_blob_bytes))
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_blob_bytes:
                raise store.TooLarge(_too_large(size, max_blob_bytes))
            chunks.append(chunk)
        content_type = request.headers.get("content-type") or "application/octet-stream"
        status = await run_in_threadpool(store.put_blob, engine, caller, sha256,
                                         b"".join(chunks), content_type)
        return BlobResult(sha256=sha256, size=size, status=status)  # type: ignore[arg-type]

    @app.get("/v1/blobs/{sha256}", response_class=Response,
             responses={200: {"content": {"application/octet-stream": {}}},
                        404: {"model": ErrorBody}})
    def get_blob(version: Version, caller: Caller,
                 sha256: Annotated[str, Path(pattern=SHA_PATTERN)]) -> Response:
        """Download an attachment uploaded by the caller's team."""
        data, content_type, _size = store.get_blob(engine, caller, sha256)
        return Response(data, media_type=content_type,
                        headers=blob_types.download_headers(sha256, content_type))

    @app.head("/v1/blobs/{sha256}", response_class=Response)
    def has_blob(version: Version, caller: Caller,
                 sha256: Annotated[str, Path(pattern=SHA_PATTERN)]) -> Response:
        """200 when the caller's team already has this attachment on the service."""
        _data, content_type, size = store.get_blob(engine, caller, sha256, with_data=False)
        return Response(headers={"x-blob-size": str(size)}, media_type=content_type)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            push_schema = PushRequest.model_json_schema(
                ref_template="#/components/schemas/{model}")
            components.update(push_schema.pop("$defs", {}))
            components["PushRequest"] = push_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def own_device(request: Request, caller: Principal) -> str | None:
    """The device id a tablet says it makes its ops under. An app too old to say is told
    to update: the office accepts ops only from tablets that present themselves."""
    value = request.headers.get(DEVICE_HEADER)
    if caller.is_office:
        return None  # refused by the store: an office token cannot push
    if value is None:
        raise ProtocolError(f"this app does not say which tablet it is ({DEVICE_HEADER}): "
                            "update the app")
    if not IDENT.fullmatch(value):
        raise store.OfficeError(f"{DEVICE_HEADER} is not a device id")
    return value


def _tablet(caller: Principal) -> Principal:
    if caller.is_office:
        raise store.Forbidden("an office token reads every team's ops but holds no visits")
    return caller


def _too_large(size: int, limit: int) -> str:
    return (f"attachment of {size / 1048576:.1f} MB is over the limit of "
            f"{limit / 1048576:.0f} MB")


def _token(authorization: str | None) -> str | None:
    """The bearer token of a tablet or an office token (people sign in to the pages)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None
