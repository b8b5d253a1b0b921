"""Sync with the programme office: the wire protocol, the tablet's sync engine and the
office service (`sync.server`, installed with the `office` extra)."""
