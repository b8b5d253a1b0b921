"""Reading a push: the body within its size limit, the envelope, then every op on its own.

A bad op is refused on its own with its reason (the rest of the batch goes on), using the
one op schema the tablets use too (`visitapp.domain.op_schema`); only a body that is not a
push at all is refused whole (422), and one over the size limit is refused unread (413).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from sync.protocol import MAX_BATCH, MAX_BODY_BYTES
from sync.server.store import OfficeError, TooLarge
from visitapp.domain.op_schema import op_problem


class BadPush(OfficeError):
    status = 422


@dataclass(frozen=True)
class Intake:
    protocol: int
    ops: list[dict[str, Any]]  # well-formed ops, in batch order
    refused: dict[int, tuple[str, str]]  # batch position -> (op id as sent, reason)
    size: int  # ops in the batch, good and bad


def _too_large(size: int) -> str:
    return (f"request of {size / 1048576:.1f} MB is over the limit of "
            f"{MAX_BODY_BYTES / 1048576:.0f} MB: send fewer changes at a time (update the app)")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(_too_large(int(declared)))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(_too_large(size))
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_push(body: bytes) -> Intake:
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:
        raise BadPush(f"body: not strict JSON ({str(err)[:100]})") from None
    if not isinstance(data, dict) or set(data) != {"protocol", "ops"}:
        raise BadPush("body: a push is an object with exactly protocol and ops")
    if type(data["protocol"]) is not int:
        raise BadPush("protocol: not a whole number")
    raw_ops = data["ops"]
    if not isinstance(raw_ops, list):
        raise BadPush("ops: not a list")
    if len(raw_ops) > MAX_BATCH:
        raise BadPush(f"ops: more than {MAX_BATCH} in one push")
    ops: list[dict[str, Any]] = []
    refused: dict[int, tuple[str, str]] = {}
    for position, op in enumerate(raw_ops):
        problem = op_problem(op)
        if problem is None:
            ops.append(op)
        else:
            refused[position] = (_sent_id(op), problem)
    return Intake(data["protocol"], ops, refused, len(raw_ops))


def results_in_order(intake: Intake, accepted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The office's result per op, in the batch's order, refused ones included."""
    results = iter(accepted)
    out = []
    for position in range(intake.size):
        refused = intake.refused.get(position)
        if refused is None:
            out.append(next(results))
        else:
            out.append({"op_id": refused[0], "status": "rejected", "reason": refused[1],
                        "code": "invalid"})
    return out


def _sent_id(op: Any) -> str:
    """The op id to answer with: what was sent, if it is printable text at all."""
    value = op.get("op_id") if isinstance(op, dict) else None
    if isinstance(value, str) and value.isprintable():
        return value[:64]
    return ""
