"""The tablet's tables, as SQLModel classes.

Two kinds of table live here:
- the op-log (`Op`) and its bookkeeping (`Device`, `FieldClock`): the source of truth,
  from which everything else can be rebuilt;
- the materialised current state (`Visit`, `Area`, `Answer`, `Finding`, `Attachment`),
  kept in step with the op-log in the same transaction, so reads are plain queries.

The schema itself is created by the named migrations in `migrations.py` (frozen SQL, so an
old database upgrades the same way forever); `tests/store/test_migrations.py` checks that
the migrated schema and these classes agree. Materialised rows may exist with only some
columns set (an op for one field can arrive before the others), hence the optional fields,
and no foreign keys between them: sync may deliver an answer before its area.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Device(SQLModel, table=True):
    """This database's identity: one database is one tablet."""

    __tablename__ = "device"
    id: str = Field(primary_key=True)
    next_seq: int
    hlc: int
    created_at: str
    private_key: bytes | None = None  # Ed25519, raw; None only before the first open


class DeviceKey(SQLModel, table=True):
    """Public keys of the devices whose signed ops this tablet holds (self-certifying:
    a device id derives from its key, see visitapp.domain.signing)."""

    __tablename__ = "device_keys"
    device_id: str = Field(primary_key=True)
    public_key: str


class SchemaMigration(SQLModel, table=True):
    __tablename__ = "schema_migrations"
    name: str = Field(primary_key=True)
    applied_at: str


class FormVersion(SQLModel, table=True):
    """The exact content of every form version a visit on this tablet has used."""

    __tablename__ = "form_versions"
    hash: str = Field(primary_key=True)
    form_id: str
    version: int
    area_kind: str
    title: str
    content: str


class Op(SQLModel, table=True):
    """One change: a field of an entity set to a JSON value, by a device, at an HLC time."""

    __tablename__ = "ops"
    op_id: str = Field(primary_key=True)
    visit_id: str = Field(index=True)
    device_id: str
    seq: int
    hlc: int
    entity: str
    entity_id: str
    field: str
    value: str  # JSON; null is a tombstone (cleared answer)
    prev_op_id: str | None = None  # the op the editor last saw for this field
    author: str | None = None
    confirmed: int = 0  # 1 when the author confirmed the text is not patient data
    pushed: int = 0  # 1 once the programme office acknowledged it
    sig: str | None = None  # Ed25519 signature; None for an op made before signing


class FieldClock(SQLModel, table=True):
    """The winning op of each (visit, entity, id, field): last writer wins by HLC."""

    __tablename__ = "field_clock"
    visit_id: str = Field(primary_key=True)
    entity: str = Field(primary_key=True)
    entity_id: str = Field(primary_key=True)
    field: str = Field(primary_key=True)
    op_id: str
    hlc: int
    device_id: str


class Visit(SQLModel, table=True):
    __tablename__ = "visits"
    id: str = Field(primary_key=True)
    system: str | None = None
    trust: str | None = None
    site: str | None = None
    date: str | None = None
    visit_type: str | None = None
    follows_visit_id: str | None = None
    status: str | None = None
    team: str | None = None  # JSON list of {name, role}
    people_met: str | None = None  # JSON list of {role, count}
    data_reviewed: str | None = None  # JSON list of strings
    created_at: str | None = None


class Area(SQLModel, table=True):
    __tablename__ = "areas"
    visit_id: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    kind: str | None = None
    label: str | None = None
    form_hash: str | None = None
    position: int | None = None
    deleted: int | None = None
    done: int | None = None  # migration 0007: marked as walked and done


class Answer(SQLModel, table=True):
    __tablename__ = "answers"
    visit_id: str = Field(primary_key=True)
    area_key: str = Field(primary_key=True)
    item_id: str = Field(primary_key=True)
    value: str | None = None  # JSON canonical value; NULL when cleared
    answered_by: str | None = None
    answered_at: str | None = None
    note: str | None = None
    note_confirmed: int | None = None


class Finding(SQLModel, table=True):
    __tablename__ = "findings"
    visit_id: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    kind: str | None = None
    text: str | None = None
    text_confirmed: int | None = None
    pathway: str | None = None
    area_key: str | None = None
    item_ids: str | None = None  # JSON list
    horizon: str | None = None
    owner: str | None = None
    position: int | None = None
    deleted: int | None = None
    created_by: str | None = None
    created_at: str | None = None


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    visit_id: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    sha256: str | None = None
    report_sha256: str | None = None
    area_key: str | None = None
    item_id: str | None = None
    caption: str | None = None
    caption_confirmed: int | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    deleted: int | None = None
    created_by: str | None = None
    created_at: str | None = None


class Blob(SQLModel, table=True):
    """A file held on this tablet, addressed by the SHA-256 of its bytes."""

    __tablename__ = "blobs"
    sha256: str = Field(primary_key=True)
    size: int
    content_type: str
    created_at: str


class Action(SQLModel, table=True):
    """The office's status of a visit's recommendation (migration 0010; office ops only)."""

    __tablename__ = "actions"
    visit_id: str = Field(primary_key=True)
    id: str = Field(primary_key=True)  # the recommendation's finding id
    text: str | None = None
    owner: str | None = None
    horizon: str | None = None
    status: str | None = None  # not_started | in_progress | done | blocked
    updated: str | None = None  # ISO date of the latest update
    due: str | None = None


class Exemplar(SQLModel, table=True):
    """An entry of the programme's exemplar practice library (office ops only)."""

    __tablename__ = "exemplars"
    id: str = Field(primary_key=True)
    title: str | None = None
    what_they_do: str | None = None
    system: str | None = None
    area_kind: str | None = Field(default=None, index=True)
    evidence: str | None = None
    contact_role: str | None = None
    pathway: str | None = None
    tags: str | None = None  # JSON list
    deleted: int | None = None


class PublishedForm(SQLModel, table=True):
    """The checklist version the office published for new areas of a kind (office ops)."""

    __tablename__ = "published_forms"
    area_kind: str = Field(primary_key=True)
    form_hash: str | None = None
    form_id: str | None = None
    version: int | None = None
    published_at: str | None = None


class PendingOps(SQLModel, table=True):
    """Unsent ops per visit (migration 0009): kept exact by triggers on `ops`."""

    __tablename__ = "pending_ops"
    visit_id: str = Field(primary_key=True)
    count: int


class AreaSummary(SQLModel, table=True):
    """An area's progress and RAG (visitapp/store/summaries.py), for the visits screen."""

    __tablename__ = "area_summary"
    visit_id: str = Field(primary_key=True)
    area_key: str = Field(primary_key=True)
    answered: int
    visible: int
    required_missing: int
    green: int
    amber: int
    red: int
    rag: str | None = None
    visible_items: str  # JSON list of the visible item ids, in order


class VisitSummary(SQLModel, table=True):
    """A visit's totals over its area summaries: one row a visit for the visits screen."""

    __tablename__ = "visit_summary"
    visit_id: str = Field(primary_key=True)
    areas: int
    answered: int
    visible: int
    required_missing: int
    green: int
    amber: int
    red: int


class SummaryStale(SQLModel, table=True):
    """Areas whose summary is behind their state; emptied before every commit."""

    __tablename__ = "summary_stale"
    visit_id: str = Field(primary_key=True)
    area_key: str = Field(primary_key=True)
