"""Attachments: PDF, PNG or JPEG evidence, checked before anything is stored.

A file is refused, naming why, when it is empty or over the size limit, when its bytes are not
what its name and declared type say (a renamed ZIP, a script), when it is an archive (a zip
bomb never gets unpacked here: archives are refused outright), when an image declares more
pixels than any scan needs (a decompression bomb), or when the virus-scan hook names a threat.
A stored file keeps its SHA-256 and the scanner's verdict.

The scan hook is a function bytes -> threat name or None. The default recognises the EICAR test
signature only; a deployment installs its scanner (clamd, for one) with `set_scanner`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from pathlib import PurePosixPath

from sqlalchemy.orm import Session

from kechuang.applications.flows import now
from kechuang.applications.tables import Application, Attachment
from kechuang.workflow.errors import Invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
TYPES = {
    "application/pdf": ((b"%PDF-",), (".pdf",)),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
}
ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!")
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

Scanner = Callable[[bytes], str | None]


def eicar_scanner(content: bytes) -> str | None:
    return "EICAR-Test-File" if EICAR in content else None


_scanner: list[tuple[str, Scanner]] = [("eicar-signature", eicar_scanner)]


def set_scanner(name: str, scanner: Scanner) -> None:
    """Install the deployment's virus scanner (the hook)."""
    _scanner[0] = (name, scanner)


def refuse(en: str, zh: str) -> Invalid:
    return Invalid(en, "content", zh=zh)


def sniff(content: bytes) -> str | None:
    for media_type, (magics, _) in TYPES.items():
        if any(content.startswith(m) for m in magics):
            return media_type
    return None


def png_pixels(content: bytes) -> int | None:
    # IHDR is the first chunk: 8-byte signature, length, "IHDR", width, height.
    if len(content) < 24 or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    return int(width) * int(height)


def jpeg_pixels(content: bytes) -> int | None:
    i = 2
    while i + 9 < len(content):
        if content[i] != 0xFF:
            return None
        marker = content[i + 1]
        length = int.from_bytes(content[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3):
            height, width = struct.unpack(">HH", content[i + 5 : i + 9])
            return int(width) * int(height)
        i += 2 + length
    return None


def check(file_name: str, media_type: str, content: bytes) -> tuple[str, str]:
    """The hash and scan verdict of an acceptable file; Invalid naming what is wrong."""
    if not content:
        raise refuse("the file is empty", "文件为空")
    if len(content) > MAX_BYTES:
        raise refuse(
            f"the file is {len(content):,} bytes; at most {MAX_BYTES:,}",
            f"文件大小 {len(content):,} 字节，超过上限 {MAX_BYTES:,} 字节",
        )
    if any(content.startswith(m) for m in ARCHIVES):
        raise refuse(
            "archives (zip, gzip, 7z, rar) are not accepted: attach PDF or images",
            "不接受压缩包（zip、gzip、7z、rar），请上传PDF或图片",
        )
    if media_type not in TYPES:
        raise refuse(f"type {media_type!r}: PDF, PNG or JPEG only", "仅接受PDF、PNG或JPEG文件")
    sniffed = sniff(content)
    if sniffed != media_type:
        raise refuse(
            f"the content is not {media_type} (it looks like {sniffed or 'something else'})",
            f"文件内容与声明的类型 {media_type} 不符",
        )
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix not in TYPES[media_type][1]:
        raise refuse(
            f"the name {file_name!r} does not end as a {media_type} file does",
            f"文件名 {file_name} 的扩展名与类型不符",
        )
    pixels = png_pixels(content) if media_type == "image/png" else None
    if media_type == "image/jpeg":
        pixels = jpeg_pixels(content)
    if pixels is not None and pixels > MAX_PIXELS:
        raise refuse(
            f"the image declares {pixels:,} pixels; at most {MAX_PIXELS:,}",
            f"图片像素数 {pixels:,} 超过上限 {MAX_PIXELS:,}",
        )
    name, scanner = _scanner[0]
    threat = scanner(content)
    if threat is not None:
        raise refuse(f"the virus scan found {threat}", f"病毒扫描发现威胁：{threat}")
    return hashlib.sha256(content).hexdigest(), f"clean:{name}"


def store(
    session: Session,
    application: Application,
    requirement: str,
    file_name: str,
    media_type: str,
    content: bytes,
    by: str,
) -> Attachment:
    digest, scan = check(file_name, media_type, content)
    row = Attachment(
        application_id=application.id,
        requirement=requirement,
        file_name=file_name,
        media_type=media_type,
        size=len(content),
        sha256=digest,
        content=content,
        scan=scan,
        uploaded_by=by,
        uploaded_at=now(),
    )
    session.add(row)
    session.flush()
    return row
