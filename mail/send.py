"""Sending what mail/compose.py wrote: over SMTP, or as .eml files for the officer to check.

Messages are plain UTF-8 text built by the standard library's ``email`` package, whose SMTP
policy encodes a Vietnamese subject as RFC 2047 words, so that every mail client shows it.
Each carries ``Auto-Submitted: auto-replied`` (RFC 3834), so that a commune's own automatic
answer does not answer back, and ``In-Reply-To`` when it answers a message.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from cchc.errors import CchcError
from cchc.mail.servers import Server, tls_context

TIMEOUT_SECONDS = 60


class SendFailed(CchcError):
    """The SMTP server could not be reached or refused the message; one Vietnamese line."""


@dataclass(frozen=True)
class Envelope:
    """One message to send: to whom, about what, answering which message (its Message-ID)."""

    to: str
    subject: str
    body: str
    in_reply_to: str | None = None


def build(sender: str, envelope: Envelope) -> EmailMessage:
    """The message, with its own Message-ID (kept in the warehouse) and today's date."""
    message = EmailMessage(policy=policy.SMTP)
    name, address = parseaddr(sender)
    message["From"] = Address(display_name=name, addr_spec=address) if name else address
    message["To"] = envelope.to
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=address.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-replied" if envelope.in_reply_to else "auto-generated"
    if envelope.in_reply_to:
        message["In-Reply-To"] = envelope.in_reply_to
        message["References"] = envelope.in_reply_to
    message.set_content(envelope.body, charset="utf-8")
    return message


def write_eml(message: EmailMessage, folder: Path, name: str) -> Path:
    """A dry run: the message as an .eml file a mail client opens."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    path.write_bytes(message.as_bytes(policy=policy.SMTP))
    return path


class Smtp:
    """One SMTP session for a night's messages (TLS verified; login only over TLS)."""

    def __init__(self, server: Server, password: str | None, ca_file: Path | None) -> None:
        self.server, self.password, self.ca_file = server, password, ca_file
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Smtp:
        context = tls_context(self.ca_file)
        where = f"{self.server.host}:{self.server.port}"
        try:
            if self.server.tls_from_start:
                self.client = smtplib.SMTP_SSL(self.server.host, self.server.port,
                                               timeout=TIMEOUT_SECONDS, context=context)
            else:
                self.client = smtplib.SMTP(self.server.host, self.server.port,
                                           timeout=TIMEOUT_SECONDS)
                self.client.ehlo()
                if self.client.has_extn("starttls"):
                    self.client.starttls(context=context)
                    self.client.ehlo()
                elif self.server.user:
                    raise SendFailed(f"máy chủ gửi thư {where} không hỗ trợ STARTTLS, cchc không "
                                     "gửi mật khẩu qua kết nối không mã hóa; dùng smtps://")
            if self.server.user:
                self.client.login(self.server.user, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise SendFailed(f"máy chủ gửi thư {where} từ chối đăng nhập của "
                             f"{self.server.user!r} ({_said(exc)})") from None
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise SendFailed(f"chứng chỉ TLS của máy chủ gửi thư {where} không xác thực được "
                             f"({exc.verify_message}); nếu máy chủ dùng chứng chỉ tự ký, đặt "
                             "thiết lập smtp_ca") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SendFailed(f"không kết nối được tới máy chủ gửi thư {where} "
                             f"({_said(exc)})") from None
        return self

    def send(self, message: EmailMessage) -> None:
        try:
            self.client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"máy chủ gửi thư không nhận thư tới {message['To']} "
                             f"({_said(exc)})") from None

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def __exit__(self, *exc) -> None:
        self.close()


def _said(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{exc.smtp_code} {' '.join(text.split())}"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
