"""`kechuang notices` against the store and a real local SMTP server: an enterprise's channels
set by an officer, one sender pass delivers the publication notice; bad input exits 2."""

from __future__ import annotations

import threading
import time

import pytest
from typer.testing import CliRunner

from kechuang.cli import app
from tests.notices.conftest import SmtpServer
from tests.screening.population import eligible_usccs

runner = CliRunner()


def test_send_delivers_the_outbox_by_email(
    published: int, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = eligible_usccs()[0]
    set_channels = runner.invoke(
        app, ["notices", "channels", first, "--email", "cfo@first.example.cn", "--email-on",
              "--by", "officer1"],
    )  # fmt: skip
    assert set_channels.exit_code == 0, set_channels.output
    smtp.start()
    monkeypatch.setenv("KECHUANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KECHUANG_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("KECHUANG_SMTP_SECURITY", "none")
    sent = runner.invoke(app, ["notices", "send"])
    assert sent.exit_code == 0, sent.output
    assert "dispatched 5 · sent 1 · to retry 0 · dead 0" in sent.output
    [(to, message)] = smtp.inbox.received
    assert to == ["cfo@first.example.cn"] and "拟获奖励¥4,000,000.00" in message.get_content()
    again = runner.invoke(app, ["notices", "send"])
    assert "dispatched 0 · sent 0" in again.output and len(smtp.inbox.received) == 1


def test_bad_input_exits_2(published: int, monkeypatch: pytest.MonkeyPatch) -> None:
    bad_uscc = runner.invoke(app, ["notices", "channels", "91310115MA1000001X", "--by", "o"])
    assert bad_uscc.exit_code == 2 and "USCC" in bad_uscc.output
    bad_email = runner.invoke(
        app, ["notices", "channels", eligible_usccs()[0], "--email", "x", "--email-on", "--by", "o"]
    )
    assert bad_email.exit_code == 2 and "邮箱地址格式不正确" in bad_email.output
    monkeypatch.setenv("KECHUANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KECHUANG_SMTP_SECURITY", "ssl3")
    assert runner.invoke(app, ["notices", "send"]).exit_code == 2
    assert runner.invoke(app, ["notices", "retry", "999"]).exit_code == 2


def test_the_server_delivers_notices_without_a_second_command(
    published: int, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kechuang serve` starts the sender's pass every N seconds (`--notices-every`, default
    30): a notice reaches the enterprise's mailbox while the server runs."""
    from kechuang.notices.commands import senders, start_every

    first = eligible_usccs()[0]
    runner.invoke(
        app, ["notices", "channels", first, "--email", "cfo@first.example.cn", "--email-on",
              "--by", "officer1"],
    )  # fmt: skip
    smtp.start()
    monkeypatch.setenv("KECHUANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KECHUANG_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("KECHUANG_SMTP_SECURITY", "none")
    stop = threading.Event()
    thread = start_every(1, *senders(), stop=stop)
    try:
        deadline = time.monotonic() + 60
        while not smtp.inbox.received and time.monotonic() < deadline:
            time.sleep(0.2)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    [(to, _message)] = smtp.inbox.received
    assert to == ["cfo@first.example.cn"]


def test_the_server_refuses_a_bad_mail_setting_before_listening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KECHUANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KECHUANG_SMTP_SECURITY", "ssl3")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "KECHUANG_SMTP_SECURITY" in result.output
