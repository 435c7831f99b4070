"""The office mailbox over IMAP (imapclient): log in, list what is there, fetch, leave it marked.

Messages are fetched with BODY.PEEK, which leaves them unread; only once the warehouse has
recorded a message is it flagged \\Seen or moved to the folder the office named (``mark``).
Nothing here ever deletes or expunges a message. Every way the server can be out of reach
becomes ``MailboxUnavailable`` with one Vietnamese line saying what is wrong and what to do.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from cchc.errors import CchcError
from cchc.mail.servers import Server, tls_context

TIMEOUT_SECONDS = 60
# A message bigger than this is not downloaded (a report is at most 64 MB, and base64 makes
# an attachment a third bigger): it is recorded with the reason and stays in the mailbox.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024


class MailboxUnavailable(CchcError):
    """The mailbox cannot be read: unreachable, refused the login, no such folder."""


@dataclass(frozen=True)
class Raw:
    """One message as the server holds it: its UID, when it reached the server (INTERNALDATE,
    naive local time), its size, and its bytes (None when too big to download)."""

    uid: int
    arrived_at: datetime
    size: int
    data: bytes | None


class Mailbox:
    """An open, selected IMAP folder. Use ``open_mailbox``."""

    def __init__(self, client: IMAPClient, server: Server, uidvalidity: int) -> None:
        self.client, self.server, self.uidvalidity = client, server, uidvalidity

    def uids(self, since: date | None = None) -> list[int]:
        """Every message's UID in the folder (since a day, when given), ascending."""
        with _talking(self.server):
            return sorted(self.client.search(["SINCE", since] if since else ["ALL"]))

    def message_ids(self, uids: Sequence[int]) -> dict[int, str | None]:
        """uid → Message-ID header, without downloading the messages."""
        field = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
        with _talking(self.server):
            found = self.client.fetch(list(uids), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        result = {}
        for uid, data in found.items():
            text = data.get(field, b"").decode("ascii", "replace").split(":", 1)
            result[uid] = " ".join(text[1].split()) if len(text) == 2 else None
        return result

    def fetch(self, uids: Sequence[int]) -> list[Raw]:
        """The messages, in UID order; a message over MAX_MESSAGE_BYTES without its bytes."""
        with _talking(self.server):
            heads = self.client.fetch(list(uids), ["RFC822.SIZE", "INTERNALDATE"])
            small = [u for u in uids if heads.get(u, {}).get(b"RFC822.SIZE", 0)
                     <= MAX_MESSAGE_BYTES]
            bodies = self.client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        return [Raw(uid, heads[uid][b"INTERNALDATE"], heads[uid][b"RFC822.SIZE"],
                    bodies.get(uid, {}).get(b"BODY[]"))
                for uid in uids if uid in heads]

    def mark(self, uids: Sequence[int], move_to: str | None) -> None:
        """Leave the messages as the office expects: moved to ``move_to`` (created when
        missing), else flagged \\Seen. Never deleted: without the MOVE extension a message
        is copied and flagged \\Seen, the original stays."""
        if not uids:
            return
        with _talking(self.server):
            if move_to is None:
                self.client.add_flags(list(uids), [b"\\Seen"])
                return
            if not self.client.folder_exists(move_to):
                self.client.create_folder(move_to)
            self.client.add_flags(list(uids), [b"\\Seen"])
            if self.client.has_capability("MOVE"):
                self.client.move(list(uids), move_to)
            else:
                self.client.copy(list(uids), move_to)


@contextmanager
def open_mailbox(server: Server, password: str | None, ca_file: Path | None,
                 timeout: float = TIMEOUT_SECONDS) -> Iterator[Mailbox]:
    """Connect (TLS verified), log in and select the folder; log out at the end."""
    if password is None:
        raise MailboxUnavailable("chưa có mật khẩu hộp thư: đặt biến môi trường "
                                 "CCHC_MAILBOX_PASSWORD hoặc thiết lập mailbox_password_file")
    context = tls_context(ca_file)
    with _talking(server):
        client = IMAPClient(server.host, port=server.port, ssl=server.tls_from_start,
                            ssl_context=context, timeout=timeout)
    try:
        with _talking(server):
            if not server.tls_from_start:
                client.starttls(context)
            client.login(server.user or "", password)
            try:
                selected = client.select_folder(server.folder or "INBOX")
            except IMAPClientError as exc:
                raise MailboxUnavailable(f"không mở được thư mục {server.folder!r} của hộp thư "
                                         f"({_said(exc)}); kiểm tra tên thư mục trong thiết "
                                         "lập mailbox") from None
        yield Mailbox(client, server, int(selected[b"UIDVALIDITY"]))
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError, imaplib.IMAP4.error):
            client.shutdown()


@contextmanager
def _talking(server: Server) -> Iterator[None]:
    """The server's and the network's failures as one Vietnamese line."""
    where = f"{server.host}:{server.port}"
    try:
        yield
    except LoginError as exc:
        raise MailboxUnavailable(f"máy chủ thư từ chối đăng nhập của {server.user!r} "
                                 f"({_said(exc)}); kiểm tra tên đăng nhập và mật khẩu") from None
    except ssl.SSLCertVerificationError as exc:
        raise MailboxUnavailable(
            f"chứng chỉ TLS của máy chủ thư {where} không xác thực được "
            f"({exc.verify_message}); nếu máy chủ của cơ quan dùng chứng chỉ tự ký, đặt thiết "
            "lập mailbox_ca là tệp chứng chỉ đó") from None
    except ssl.SSLError as exc:
        raise MailboxUnavailable(f"kết nối TLS tới máy chủ thư {where} thất bại "
                                 f"({exc.reason or exc})") from None
    except socket.gaierror:
        raise MailboxUnavailable(f"không tìm thấy máy chủ thư {server.host!r} (tên máy chủ "
                                 "không phân giải được); kiểm tra mạng và thiết lập mailbox"
                                 ) from None
    except ConnectionRefusedError:
        raise MailboxUnavailable(f"máy chủ thư {where} từ chối kết nối (máy chủ tắt hoặc "
                                 "sai cổng)") from None
    except TimeoutError:
        raise MailboxUnavailable(f"máy chủ thư {where} không trả lời") from None
    except OSError as exc:
        raise MailboxUnavailable(f"không kết nối được tới máy chủ thư {where} "
                                 f"({exc.strerror or exc})") from None
    except (IMAPClientError, imaplib.IMAP4.error) as exc:
        raise MailboxUnavailable(f"máy chủ thư {where} báo lỗi ({_said(exc)})") from None


def _said(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text)
    if text[:2] in ("b'", 'b"') and text[-1:] == text[1]:  # imapclient's str() of bytes
        text = text[2:-1]
    return " ".join(text.split())
