"""Media generated in place of a download: for URLs on the hosts the media policy names as
stand-ins (sandbox, demo, tests), and where the config asks for synthetic bytes.

Deterministic: the same URL always gives the same bytes, so a retried upload sends the very
same file (and a Bluesky blob, named by the hash of its bytes, is the very same blob).
"""

from __future__ import annotations

import hashlib
import struct
import zlib


def stand_in_png(url: str, side: int = 4) -> bytes:
    """A valid `side` x `side` RGB PNG whose pixels come from a hash of `url`."""
    seed = hashlib.sha512(url.encode()).digest()
    row_bytes = side * 3
    pixels = (seed * (side * row_bytes // len(seed) + 1))[: side * row_bytes]
    raw = b"".join(b"\x00" + pixels[r * row_bytes : (r + 1) * row_bytes] for r in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def stand_in_mp4(url: str, size: int) -> bytes:
    """`size` bytes shaped like an MP4: an `ftyp` box (what identifies one), then filler made
    from a hash of `url`."""
    seed = hashlib.sha256(url.encode()).digest()
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    filler = hashlib.sha256(seed).digest() * (max(0, size - len(ftyp)) // 32 + 1)
    return (ftyp + filler)[: max(size, len(ftyp))]
