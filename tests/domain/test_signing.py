"""Signed ops: an op id is its content's, a signature proves its device, edits are caught."""

from __future__ import annotations

import pytest

from visitapp.domain import signing


def _op(device_id: str, **changes: object) -> dict[str, object]:
    op: dict[str, object] = {
        "op_id": "", "visit_id": "v1", "device_id": device_id, "seq": 1, "hlc": 123 << 16,
        "entity": "answer", "entity_id": "ed-abcde/ed.triage", "field": "value",
        "value": '"yes"', "prev_op_id": None, "author": "Visit lead", "confirmed": False}
    op.update(changes)
    return op


@pytest.fixture()
def key() -> bytes:
    return signing.new_private_key()


def test_a_sealed_op__verifies_with_its_devices_key(key):
    public = signing.public_key_of(key)
    op = signing.seal(key, _op(signing.device_id_for(public)))
    assert op["op_id"].startswith(signing.OP_ID_PREFIX) and len(op["op_id"]) <= 64
    assert signing.verify(op, public) is None


@pytest.mark.parametrize("field, value", [
    ("value", '"no"'), ("seq", 2), ("device_id", "k-" + "0" * 32), ("author", "Someone"),
    ("visit_id", "v2"), ("confirmed", True), ("prev_op_id", "s-x"),
])
def test_any_edit_after_sealing__is_caught(key, field, value):
    public = signing.public_key_of(key)
    op = signing.seal(key, _op(signing.device_id_for(public)))
    op[field] = value
    assert signing.verify(op, public) is not None


def test_an_edit_with_a_recomputed_id__fails_the_signature(key):
    public = signing.public_key_of(key)
    op = signing.seal(key, _op(signing.device_id_for(public)))
    op["value"] = '"no"'
    op["op_id"] = signing.op_id_for(op)
    assert "signature" in (signing.verify(op, public) or "")


def test_another_key__cannot_stand_for_a_device(key):
    public = signing.public_key_of(key)
    forger = signing.new_private_key()
    op = signing.seal(forger, _op(signing.device_id_for(public)))
    assert signing.verify(op, signing.public_key_of(forger)) is not None  # id is not its key's
    assert signing.verify(op, public) is not None  # signature is not the device's


def test_re_signing_under_a_new_key__keeps_the_op_id(key):
    first = signing.seal(key, _op(signing.device_id_for(signing.public_key_of(key))))
    new = signing.new_private_key()
    new_public = signing.public_key_of(new)
    again = signing.seal(new, {**first, "device_id": signing.device_id_for(new_public), "seq": 9})
    assert again["op_id"] == first["op_id"]
    assert signing.verify(again, new_public) is None


def test_a_proof_of_possession__binds_key_and_statement(key):
    public = signing.public_key_of(key)
    proof = signing.prove(key, "device abc")
    assert signing.proof_problem(public, "device abc", proof) is None
    assert signing.proof_problem(public, "device xyz", proof) is not None
    other = signing.public_key_of(signing.new_private_key())
    assert signing.proof_problem(other, "device abc", proof) is not None


@pytest.mark.parametrize("bad", ["", "!" * 43, 5, None, "A" * 44])
def test_a_bad_public_key__is_named(bad):
    assert signing.public_key_problem(bad) is not None


def test_verify_all__checks_a_large_batch_in_order__on_every_core():
    private = signing.new_private_key()
    public = signing.public_key_of(private)
    device = signing.device_id_for(public)
    ops = [signing.seal(private, {
        "op_id": "", "visit_id": "v1", "device_id": device, "seq": i, "hlc": i << 16,
        "entity": "answer", "entity_id": f"ed-a/item{i}", "field": "value",
        "value": '"green"'}) for i in range(200)]
    ops[137] = {**ops[137], "value": '"red"'}  # changed after it was signed
    ops[150] = {**ops[150], "sig": ops[151]["sig"]}  # another op's signature
    assert len(ops) >= signing.PARALLEL_FROM
    problems = signing.verify_all([(op, public, signing.DEVICE_PREFIX) for op in ops])
    assert [i for i, p in enumerate(problems) if p] == [137, 150]
    assert "does not match its content" in problems[137]
    assert "signature does not match" in problems[150]


def _chain(private: bytes, count: int) -> list[dict[str, object]]:
    """`count` ops of one device, each sealed with the link to the one before (as a
    tablet makes them)."""
    device = signing.device_id_for(signing.public_key_of(private))
    ops: list[dict[str, object]] = []
    for i in range(1, count + 1):
        after = (ops[-1]["op_id"], ops[-1]["sig"]) if ops else None
        ops.append(signing.seal(private, _op(device, seq=i, hlc=i << 16,
                                             entity_id=f"ed-a/item{i}"), after=after))
    return ops


def test_a_chained_seal__links_to_the_op_before_and_verifies_alone(key):
    public = signing.public_key_of(key)
    first, second = _chain(key, 2)
    assert "." not in first["sig"]  # nothing before it
    signature, link = signing.split_seal(second["sig"])
    assert len(signature) == 86 and link == signing.link_of(first["op_id"], first["sig"])
    assert signing.verify(second, public) is None  # a snapshot's op: checked on its own
    # The signature covers the link: another link, or none, and it no longer matches.
    for sig in (f"{signature}.{signing.link_of('s-other', first['sig'])}", signature):
        assert "signature" in (signing.verify({**second, "sig": sig}, public) or "")


def _problems(ops, public):
    problems = signing.verify_all([(op, public, signing.DEVICE_PREFIX) for op in ops])
    return {i: p for i, p in enumerate(problems) if p}


def test_verify_all__a_genuine_chain_passes(key):
    assert _problems(_chain(key, 150), signing.public_key_of(key)) == {}


@pytest.mark.parametrize("at", [0, 73, 149])  # the bottom, the middle, the top of the run
def test_verify_all__an_op_edited_in_a_chain__is_caught_and_only_it(key, at):
    public = signing.public_key_of(key)
    ops = _chain(key, 150)
    ops[at] = {**ops[at], "value": '"no"'}
    ops[at]["op_id"] = signing.op_id_for(ops[at])  # its id made to fit
    assert list(_problems(ops, public)) == [at]


def test_verify_all__a_swapped_signature_or_link_in_a_chain__is_caught(key):
    public = signing.public_key_of(key)
    ops = _chain(key, 150)
    other = signing.seal(key, _op(ops[40]["device_id"], seq=41, value='"no"'),
                         after=(ops[39]["op_id"], ops[39]["sig"]))
    ops[40] = {**ops[40], "sig": other["sig"]}  # a genuine seal, of another op
    signature, _ = signing.split_seal(ops[90]["sig"])
    ops[90] = {**ops[90], "sig": f"{signature}.{signing.link_of('s-x', 'y' * 86)}"}
    ops[120] = {**ops[120], "sig": signing.split_seal(ops[120]["sig"])[0]}  # link dropped
    assert list(_problems(ops, public)) == [40, 90, 120]


def test_verify_all__a_forged_top__leaves_the_genuine_ops_below_it_genuine(key):
    public = signing.public_key_of(key)
    ops = _chain(key, 100)
    forger = signing.new_private_key()
    forged = signing.seal(forger, {**ops[-1], "value": '"no"'},
                          after=(ops[-2]["op_id"], ops[-2]["sig"]))
    ops[-1] = forged
    assert list(_problems(ops, public)) == [99]


def test_verify_all__another_devices_op_cannot_vouch_for_a_chain(key):
    """A forger links its own genuine op to a device's forged one: the link is looked
    for only under the same device and key."""
    public = signing.public_key_of(key)
    victim_op = _chain(key, 1)[0]
    fake = {**victim_op, "value": '"no"'}
    fake["op_id"] = signing.op_id_for(fake)
    forger = signing.new_private_key()
    forger_public = signing.public_key_of(forger)
    theirs = signing.seal(forger, _op(signing.device_id_for(forger_public), seq=2),
                          after=(fake["op_id"], fake["sig"]))
    problems = signing.verify_all([(fake, public, signing.DEVICE_PREFIX),
                                   (theirs, forger_public, signing.DEVICE_PREFIX)])
    assert problems[0] is not None and problems[1] is None
