"""Real mail servers on loopback for the tests and the benchmark: Debian's Dovecot (IMAP, plain
and TLS with a certificate signed by a CA made here) and aiosmtpd (SMTP, recording every
message it receives).

Dovecot runs in the foreground (``dovecot -F``) with a configuration written in a temporary
folder: one passwd-file user, Maildir under that folder, its own base and state folders, so
it touches nothing of the machine's own Dovecot. Run as root, it drops to ``nobody`` for the
mail and to Debian's ``dovecot``/``dovenull`` users for itself, as its package sets up.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "noivu", "mat-khau-thu-nghiem"


def dovecot_missing() -> str | None:
    """Why the IMAP tests cannot run here, or None."""
    if not Path(DOVECOT).exists():
        return ("Debian's dovecot-imapd is not installed (apt-get install -y dovecot-imapd; "
                "`make test` installs it)")
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key): the server's names 127.0.0.1 and
    localhost, signed by a CA that only a client given its file trusts."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cchc test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].chmod(0o600)
    return paths


_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
{users_line}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    """A Dovecot of our own: ``start()``, then ``url()`` for cchc's mailbox setting."""

    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cchc-dovecot-")))
    plain: int = field(default_factory=free_port)
    tls: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def ca(self) -> Path:
        return self.base / "ca.pem"

    def start(self) -> Dovecot:
        self.base.chmod(0o755)  # the mail user (nobody) walks into it
        _, cert, key = make_certificates(self.base)
        (self.base / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (self.base / "mail").mkdir()
        root = os.geteuid() == 0
        if root:
            uid, gid, users_line = "nobody", "nogroup", ""
            shutil.chown(self.base / "mail", "nobody", "nogroup")
        else:
            me = getpass.getuser()
            uid, gid = str(os.getuid()), str(os.getgid())
            users_line = f"default_internal_user = {me}\ndefault_login_user = {me}"
        config = self.base / "dovecot.conf"
        config.write_text(_CONFIG.format(base=self.base, cert=cert, key=key, uid=uid, gid=gid,
                                         users_line=users_line, plain=self.plain, tls=self.tls))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not all(_listening(p) for p in (self.plain, self.tls)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self.remove()
                raise RuntimeError(f"dovecot did not start: {log}")
            time.sleep(0.1)
        return self

    def url(self, tls: bool = True, folder: str = "INBOX") -> str:
        return (f"imaps://{USER}@127.0.0.1:{self.tls}/{folder}" if tls
                else f"imap://{USER}@127.0.0.1:{self.plain}/{folder}")

    def client(self):
        """An IMAP client of the test's own, logged in over TLS (to append and inspect)."""
        import ssl

        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.tls, ssl=True, timeout=30,
                            ssl_context=ssl.create_default_context(cafile=str(self.ca)))
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, when: dt.datetime | None = None, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            client.append(folder, raw, msg_time=when)
        finally:
            client.logout()

    def state(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        """uid → flags of every message of ``folder`` (empty when there is no such folder),
        \\Recent aside (the server's, not a client's)."""
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            return {uid: set(data[b"FLAGS"]) - {b"\\Recent"} for uid, data in
                    client.fetch(client.search(["ALL"]), ["FLAGS"]).items()}
        finally:
            client.logout()

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def remove(self) -> None:
        """Stop, and remove its folder (mail, certificates, configuration)."""
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class SmtpRecorder:
    """aiosmtpd on loopback that keeps every message it is handed: ``received`` is a list of
    (envelope sender, recipients, bytes as received)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[str, list[str], bytes]] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content or envelope.content))
        return "250 OK"

    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpRecorder:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
