"""Where the office's mail servers are, as settings give them, and how cchc logs in.

A server is a URL: ``imaps://noivu@mail.hoanghoa.gov.vn:993/INBOX`` (TLS from the start),
``imap://…`` (STARTTLS), ``smtps://…:465`` or ``smtp://…:587`` (STARTTLS when the server offers
it). The password is never part of the URL, a flag or the warehouse: it comes from an
environment variable or a file only its owner reads, at the moment of logging in, so that it
is never recorded with a Prefect flow run's parameters either.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cchc.errors import CchcError

IMAP_PASSWORD_VARIABLE = "CCHC_MAILBOX_PASSWORD"
SMTP_PASSWORD_VARIABLE = "CCHC_SMTP_PASSWORD"
_DEFAULT_PORTS = {"imaps": 993, "imap": 143, "smtps": 465, "smtp": 587}


class ServerSettingError(CchcError):
    """A mailbox or SMTP setting that cannot be used as written."""


@dataclass(frozen=True)
class Server:
    """One mail server: scheme, host, port, the login name, and for IMAP the folder read."""

    scheme: str
    host: str
    port: int
    user: str | None
    folder: str | None = None

    @property
    def tls_from_start(self) -> bool:
        return self.scheme in ("imaps", "smtps")

    def said(self) -> str:
        """The server as a person reads it in a summary: never with a password."""
        user = f"{self.user}@" if self.user else ""
        folder = f"/{self.folder}" if self.folder else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}{folder}"


def parse_server(text: str, kinds: tuple[str, ...], where: str) -> Server:
    """``text`` as a Server of one of ``kinds`` ("imaps", "imap" or "smtps", "smtp")."""
    parts = urlsplit(text.strip())
    example = ("imaps://noivu@mail.example.vn:993/INBOX" if "imap" in kinds[0]
               else "smtps://noivu@mail.example.vn:465")
    if parts.scheme not in kinds or not parts.hostname:
        raise ServerSettingError(f"{where}: {text!r} is not a {' or '.join(kinds)} URL; write "
                                 f"it as {example}")
    if parts.password is not None:
        raise ServerSettingError(f"{where}: the URL carries a password; take it out and give "
                                 f"it in {_variable(kinds)} or a password file")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ServerSettingError(f"{where}: {text!r} has no valid port") from None
    folder = unquote(parts.path.lstrip("/")) or ("INBOX" if "imap" in parts.scheme else None)
    return Server(parts.scheme, parts.hostname, port,
                  unquote(parts.username) if parts.username else None,
                  folder if "imap" in parts.scheme else None)


def _variable(kinds: tuple[str, ...]) -> str:
    return IMAP_PASSWORD_VARIABLE if "imap" in kinds[0] else SMTP_PASSWORD_VARIABLE


def password(variable: str, password_file: Path | None) -> str | None:
    """The password from the environment variable, else the first line of the file; None
    when neither is given. A file others can read is refused: the password is the office's."""
    if os.environ.get(variable):
        return os.environ[variable]
    if password_file is None:
        return None
    try:
        mode = password_file.stat().st_mode
        text = password_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ServerSettingError(f"không đọc được tệp mật khẩu {password_file} "
                                 f"({exc.strerror})") from None
    if mode & 0o077:
        raise ServerSettingError(f"tệp mật khẩu {password_file} để người khác đọc được; chạy "
                                 f"chmod 600 {password_file}")
    return text.splitlines()[0] if text else ""


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """TLS that verifies the server's certificate and name: against the system's authorities,
    or only against ``ca_file`` (a self-signed office server's certificate or its CA)."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ServerSettingError(f"không đọc được tệp chứng chỉ {ca_file} ({exc})") from None
