"""Hostile attachments: each is refused with its reason in both languages and nothing is
stored; good PDF, PNG and JPEG files are stored with their SHA-256 and the scan verdict."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zipfile
import zlib

import pytest

from kechuang.applications import attachments
from kechuang.workflow.errors import Invalid
from tests.applications.conftest import PDF, World


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.pdf", b"\x00" * (20 * 1024 * 1024))  # 20 MiB of zeros
    return buffer.getvalue()


def test_good_files_pass_with_their_hash() -> None:
    digest, scan = attachments.check("audit.pdf", "application/pdf", PDF)
    assert digest == hashlib.sha256(PDF).hexdigest() and scan == "clean:eicar-signature"
    assert attachments.check("scan.png", "image/png", png(800, 600))[1].startswith("clean")


@pytest.mark.parametrize(
    ("name", "media_type", "content", "reason"),
    [
        ("empty.pdf", "application/pdf", b"", "empty"),
        ("big.pdf", "application/pdf", PDF + b"0" * attachments.MAX_BYTES, "at most"),
        ("report.pdf", "application/pdf", zip_bomb(), "archives"),
        ("report.zip", "application/zip", zip_bomb(), "archives"),
        ("run.pdf", "application/pdf", b"#!/bin/sh\nrm -rf /\n", "is not application/pdf"),
        ("photo.png", "image/png", PDF, "is not image/png"),
        ("report.exe", "application/pdf", PDF, "does not end"),
        ("report.docx", "application/msword", b"PK-no", "PDF, PNG or JPEG"),
        ("huge.png", "image/png", png(100_000, 100_000), "pixels"),
        ("eicar.pdf", "application/pdf", PDF + attachments.EICAR, "EICAR"),
    ],
    # Named by file and type: the zip's bytes carry the time, and pytest-xdist's workers must
    # collect the same test ids.
    ids=lambda value: value if isinstance(value, str) else "content",
)
def test_hostile_files_are_refused(name: str, media_type: str, content: bytes, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        attachments.check(name, media_type, content)
    assert reason in str(refused.value) and refused.value.zh


def test_the_scan_hook_is_the_deployments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "_scanner", [("eicar-signature", attachments.eicar_scanner)])
    attachments.set_scanner(
        "clamd", lambda content: "Win.Test.Fake" if b"evil" in content else None
    )
    with pytest.raises(Invalid, match=r"Win\.Test\.Fake"):
        attachments.check("a.pdf", "application/pdf", PDF + b"evil")
    assert attachments.check("a.pdf", "application/pdf", PDF)[1] == "clean:clamd"


def test_a_refused_upload_stores_nothing(world: World) -> None:
    ent = world.client("ent_a")
    made = ent.post(f"/api/v1/applications/rounds/{world.round_id}/apply", json={})
    application_id = made.json()["id"]
    body = {
        "requirement": "supported_field",
        "file_name": "report.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(zip_bomb()).decode(),
    }
    refused = ent.post(f"/api/v1/applications/{application_id}/attach", json=body)
    assert refused.status_code == 422, refused.text
    assert ent.get(f"/api/v1/applications/{application_id}").json()["attachments"] == []
    form = ent.post(
        f"/applications/{application_id}/upload",
        data={"requirement": "supported_field", "csrf_token": ent.headers["X-CSRF-Token"]},
        files={"file": ("report.pdf", zip_bomb(), "application/pdf")},
        follow_redirects=False,
    )
    assert form.status_code == 422
    good = ent.post(
        f"/applications/{application_id}/upload",
        data={"requirement": "supported_field", "csrf_token": ent.headers["X-CSRF-Token"]},
        files={"file": ("report.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert good.status_code == 303, good.text
    (stored,) = ent.get(f"/api/v1/applications/{application_id}").json()["attachments"]
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_evidence_is_downloaded_by_those_who_may_see_it(world: World) -> None:
    from tests.applications.test_access import seat_of, to_panel

    application_id = to_panel(world)
    (stored, _) = (
        world.client("officer1").get(f"/api/v1/applications/{application_id}").json()["attachments"]
    )
    path = f"/applications/{application_id}/attachments/{stored['id']}"
    for reader in ("ent_a", "officer1", "exp1"):
        answer = world.client(reader).get(path)
        assert answer.status_code == 200 and answer.content == PDF
        assert answer.headers["content-disposition"].startswith("attachment")
    assert seat_of(world, "exp1")
    for outsider in ("ent_b", "exp4", "bank1"):
        assert world.client(outsider).get(path).status_code == 404
    assert (
        world.client("ent_a").get(f"/applications/{application_id}/attachments/999").status_code
        == 404
    )
