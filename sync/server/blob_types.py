"""Which attachments the office stores: photos and PDFs, checked by their first bytes.

A blob named `text/html` (or HTML named `image/png`) served back from the office's own
origin would run as a page there; so the declared type must be one of these and the
bytes must start the way that type does. Downloads are sent with
`X-Content-Type-Options: nosniff` and as attachments, never rendered in place.
"""

from __future__ import annotations

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
    "application/pdf": (b"%PDF-",),
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
              "image/webp": "webp", "application/pdf": "pdf"}


def type_problem(content_type: str, data: bytes) -> str | None:
    """Why this upload is not a photo or PDF of the type it claims, or None."""
    base = content_type.split(";", 1)[0].strip().lower()
    starts = SIGNATURES.get(base)
    if starts is None:
        return (f"files of type {base[:60] or 'unknown'} are not accepted: only photos "
                "(JPEG, PNG, GIF, WebP) and PDFs")
    if not data.startswith(starts) or (base == "image/webp" and data[8:12] != b"WEBP"):
        return f"the file is not a {base} (its first bytes say otherwise); nothing stored"
    return None


def normalised(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def download_headers(sha256: str, content_type: str) -> dict[str, str]:
    ext = EXTENSIONS.get(normalised(content_type), "bin")
    return {"X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{sha256[:16]}.{ext}"',
            "Content-Security-Policy": "default-src 'none'; sandbox"}
