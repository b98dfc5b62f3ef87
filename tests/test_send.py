"""Sending against a real SMTP server (aiosmtpd on 127.0.0.1): once per address, always."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from conftest import free_port, letter_editions, write_content
from newsletter import DEFAULTS, send as sending
from test_newsletter_editions import ABONNES_WORD, CERCLE_WORD, FILES, PUBLIC_WORD

HEADER = "email,name,tier,token\n"


class Recorder:
    """Keeps what it accepts; `script` gives scripted replies per recipient; `delay`
    slows DATA down so a sender can be stopped mid-send."""

    def __init__(self):
        self.messages: list[tuple[str, bytes]] = []
        self.script: dict[str, list[str]] = {}
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        recipient = envelope.rcpt_tos[0]
        replies = self.script.get(recipient)
        if replies:
            return replies.pop(0)
        with self.lock:
            self.messages.append((recipient, envelope.original_content or envelope.content))
        return "250 Message accepté"

    def received(self, address: str) -> int:
        return sum(1 for rcpt, _ in self.messages if rcpt == address)


@pytest.fixture
def smtp():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


def subscribers_file(folder: Path, rows: list[str], name: str = "abonnes.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


PEOPLE = ["alice@exemple.fr,Alice Martin,public,jeton-alice",
          "bruno@exemple.fr,Bruno Le Goff,abonnes,jeton-bruno",
          "chloe@exemple.fr,Chloé Hervé,cercle,jeton-chloe"]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    return letter_editions(tmp_path_factory.mktemp("envoi"), FILES)


def run_send(editions, smtp_port, tmp_path, rows, retry_delays=(0.05,), unsubscribed=()):
    people, problems = sending.read_subscribers(subscribers_file(tmp_path, rows), {e.tier for e in editions})
    journal = sending.Journal(tmp_path / "envois.sqlite3")
    config = sending.SmtpConfig("127.0.0.1", smtp_port, "none", None, None)
    try:
        return sending.send_issue(editions, people, journal, sending.Mailer(config), issue=2,
                                  sender="Claire Morvan <claire@nenufar.example>",
                                  unsubscribed=set(unsubscribed), retry_delays=retry_delays)
    finally:
        journal.close()


def test_each_subscriber_gets_their_tier_edition_with_their_token(editions, smtp, tmp_path):
    recorder, port = smtp
    report = run_send(editions, port, tmp_path, PEOPLE)
    assert sorted(report.sent) == ["alice@exemple.fr", "bruno@exemple.fr", "chloe@exemple.fr"]
    words = {"alice@exemple.fr": 0, "bruno@exemple.fr": 1, "chloe@exemple.fr": 2}
    ids = set()
    for rcpt, data in recorder.messages:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert message.get_content_type() == "multipart/alternative"
        assert message["To"].addresses[0].addr_spec == rcpt
        assert message["Reply-To"].addresses[0].addr_spec == "claire@nenufar.example"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = "jeton-" + rcpt.split("@")[0]
        assert f"jeton={token}" in str(message["List-Unsubscribe"])
        assert f"subject=desabonnement%20{token}" in str(message["List-Unsubscribe"])
        ids.add(message["Message-ID"])
        body = "".join(p.get_content() for p in message.walk() if not p.is_multipart())
        assert "NENUFAR-" not in body and "NENUFAR-" not in str(message["List-Unsubscribe"])
        assert body.count(f"jeton={token}") >= 2  # text and HTML
        for rank, word in enumerate((PUBLIC_WORD, ABONNES_WORD, CERCLE_WORD)):
            assert (word in body) == (rank <= words[rcpt]), (rcpt, word)
    assert len(ids) == 3
    chloe = next(d for r, d in recorder.messages if r == "chloe@exemple.fr")
    to = email.message_from_bytes(chloe, policy=email.policy.default)["To"]
    assert to.addresses[0].display_name == "Chloé Hervé"  # encoded, decoded back


def test_a_rerun_sends_to_nobody_twice(editions, smtp, tmp_path):
    recorder, port = smtp
    run_send(editions, port, tmp_path, PEOPLE)
    again = run_send(editions, port, tmp_path, PEOPLE)
    assert again.sent == [] and len(again.already) == 3
    assert len(recorder.messages) == 3


def test_temporary_refusal_is_retried_then_delivered(editions, smtp, tmp_path):
    recorder, port = smtp
    recorder.script["bruno@exemple.fr"] = ["451 4.3.0 Réessayez plus tard"]
    report = run_send(editions, port, tmp_path, PEOPLE)
    assert "bruno@exemple.fr" in report.sent and report.deferred == [] and report.failed == []
    assert recorder.received("bruno@exemple.fr") == 1


def test_permanent_refusal_is_recorded_listed_and_not_retried(editions, smtp, tmp_path):
    recorder, port = smtp
    recorder.script["bruno@exemple.fr"] = ["550 5.1.1 Boîte inconnue"]
    report = run_send(editions, port, tmp_path, PEOPLE)
    assert [a for a, _ in report.failed] == ["bruno@exemple.fr"]
    assert report.failed[0][1].startswith("550")
    assert sorted(report.sent) == ["alice@exemple.fr", "chloe@exemple.fr"]
    again = run_send(editions, port, tmp_path, PEOPLE)
    assert [a for a, _ in again.failed] == ["bruno@exemple.fr"] and again.sent == []
    assert recorder.received("bruno@exemple.fr") == 0


def test_temporary_refusals_that_last_are_deferred_to_the_next_run(editions, smtp, tmp_path):
    recorder, port = smtp
    recorder.script["bruno@exemple.fr"] = ["421 4.7.0 Trop de messages"] * 2
    report = run_send(editions, port, tmp_path, PEOPLE, retry_delays=(0.05,))
    assert [a for a, _ in report.deferred] == ["bruno@exemple.fr"]
    later = run_send(editions, port, tmp_path, PEOPLE)
    assert later.sent == ["bruno@exemple.fr"], (later, recorder.script)
    assert recorder.received("bruno@exemple.fr") == 1


def test_unsubscribed_addresses_are_never_written_to(editions, smtp, tmp_path):
    recorder, port = smtp
    report = run_send(editions, port, tmp_path, PEOPLE, unsubscribed={"bruno@exemple.fr"})
    assert report.unsubscribed == ["bruno@exemple.fr"]
    assert recorder.received("bruno@exemple.fr") == 0


def test_subscriber_file_problems_are_named_and_skipped(tmp_path):
    rows = ["alice@exemple.fr,Alice,public,jeton-j1", "pas-une-adresse,Bob,public,jeton-j2",
            "carla@exemple.fr,Carla,premium,jeton-j3", "ALICE@exemple.fr,Alice bis,abonnes,jeton-j4",
            "dora@exemple.fr,Dora,cercle,", "eve@exemple.fr,Eve,cercle"]
    people, problems = sending.read_subscribers(subscribers_file(tmp_path, rows), {"public", "abonnes", "cercle"})
    assert [p.email for p in people] == ["alice@exemple.fr"]
    assert [str(p) for p in problems] == [
        "abonnes.csv:3\u00a0: adresse invalide «\u202fpas-une-adresse\u202f» (il manque le «\u202f@\u202f»), "
        "ligne ignorée",
        "abonnes.csv:4\u00a0: palier inconnu «\u202fpremium\u202f» pour carla@exemple.fr "
        "(paliers\u00a0: abonnes, cercle, public), ligne ignorée",
        "abonnes.csv:5\u00a0: ALICE@exemple.fr figure déjà ligne 2, ligne ignorée",
        "abonnes.csv:6\u00a0: jeton manquant pour dora@exemple.fr (il personnalise le lien de désabonnement), "
        "ligne ignorée",
        "abonnes.csv:7\u00a0: 3 colonnes au lieu de 4, ligne ignorée",
    ]
    bad = tmp_path / "mauvais.csv"
    bad.write_text("adresse;nom\n", encoding="utf-8")
    with pytest.raises(sending.SendError, match="mauvais.csv:1\u00a0: la première ligne doit être «\u202femail,name,tier,token\u202f»"):
        sending.read_subscribers(bad, {"public"})


def test_smtp_settings_come_from_the_environment_first():
    settings = {**DEFAULTS, "SMTP_HOST": "smtp.reglages.fr", "SMTP_PORT": 25, "SMTP_TLS": "none"}
    config = sending.SmtpConfig.from_settings(settings, {"NENUFAR_SMTP_HOST": "smtp.env.fr",
                                                         "NENUFAR_SMTP_TLS": "ssl",
                                                         "NENUFAR_SMTP_USER": "claire",
                                                         "NENUFAR_SMTP_PASSWORD": "secret"})
    assert (config.host, config.port, config.tls, config.user, config.password) == \
        ("smtp.env.fr", 25, "ssl", "claire", "secret")
    with pytest.raises(sending.SendError, match="«\u202ftls13\u202f» inconnu"):
        sending.SmtpConfig.from_settings({**DEFAULTS, "SMTP_HOST": "x", "SMTP_TLS": "tls13"}, {})


# The CLI, as the author runs it, stopped by Ctrl-C or killed outright.

def send_command(project, port, subscribers, *extra):
    env = {**os.environ, "PYTHONUTF8": "1", "NENUFAR_SMTP_HOST": "127.0.0.1",
           "NENUFAR_SMTP_PORT": str(port), "NENUFAR_SMTP_TLS": "none",
           "NENUFAR_KEY_ABONNES": "", "NENUFAR_KEY_CERCLE": ""}
    return [sys.executable, "-m", "invoke", "send", "--issue", "2", "--subscribers", str(subscribers),
            *extra], env


def many(n: int) -> list[str]:
    tiers = ["public", "abonnes", "cercle"]
    return [f"lecteur{i}@exemple.fr,Lecteur {i},{tiers[i % 3]},jeton-{i:04d}" for i in range(n)]


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.05)


def start_sending(project, recorder, port, count=8):
    """`invoke send` in the background, once two messages have arrived."""
    write_content(project / "content", FILES)
    command, env = send_command(project, port, subscribers_file(project, many(count)))
    process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, encoding="utf-8")
    wait_for(lambda: len(recorder.messages) >= 2)
    return command, env, process


def test_cli_dry_run_counts_and_sends_nothing(project, smtp):
    recorder, port = smtp
    write_content(project / "content", FILES)
    path = subscribers_file(project, many(6) + ["faux,Faux,public,j"])
    command, env = send_command(project, port, path, "--dry-run")
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Essai à blanc, numéro 2\u00a0: 6 destinataires (public 2, abonnes 2, cercle 2)" in done.stdout
    assert "abonnes.csv:8\u00a0: adresse invalide «\u202ffaux\u202f»" in done.stderr
    assert recorder.messages == []


def test_cli_interrupted_with_ctrl_c_then_resumed_delivers_exactly_once(project, smtp):
    recorder, port = smtp
    recorder.delay = 0.3
    command, env, process = start_sending(project, recorder, port)
    process.send_signal(signal.SIGINT)
    out, errors = process.communicate(timeout=60)
    assert process.returncode == 130, errors
    assert "Arrêt demandé" in errors and "relancez la même commande" in out
    first = len(recorder.messages)
    assert 2 <= first < 8
    recorder.delay = 0
    resumed = subprocess.run(command, cwd=project, env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{8 - first} envoyé{'s' if 8 - first > 1 else ''}, {first} déjà envoyés" in resumed.stdout
    assert "0 incertain" in resumed.stdout  # a Ctrl-C leaves nothing ambiguous
    assert all(recorder.received(f"lecteur{i}@exemple.fr") == 1 for i in range(8))


def test_cli_killed_outright_leaves_at_most_one_ambiguous_and_reports_it(project, smtp):
    recorder, port = smtp
    recorder.delay = 0.5
    command, env, process = start_sending(project, recorder, port)
    time.sleep(0.2)  # the next message is now in flight
    process.kill()
    process.communicate(timeout=30)
    time.sleep(recorder.delay + 0.3)  # let the server finish what it was given
    recorder.delay = 0
    resumed = subprocess.run(command, cwd=project, env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    counts = [recorder.received(f"lecteur{i}@exemple.fr") for i in range(8)]
    assert max(counts) == 1  # nobody twice
    missing = counts.count(0)
    assert missing <= 1  # nobody skipped, but for the one in flight...
    if "1 incertain" in resumed.stdout:
        assert "incertain\u00a0: lecteur" in resumed.stderr  # ...which is reported by name
    else:
        assert "0 incertain" in resumed.stdout and missing == 0


def _request(sender: str, subject: str) -> email.message.EmailMessage:
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "desabonnement@nenufar.example", subject
    message["Date"] = "Mon, 23 Nov 2026 09:00:00 +0100"
    message.set_content("")
    return message


@pytest.mark.parametrize("kind", ["mbox", "maildir"])
def test_unsubscribe_requests_are_gathered_from_a_mailbox(project, kind):
    import mailbox

    from test_cli import invoke

    path = project / ("boite.mbox" if kind == "mbox" else "Maildir")
    box = mailbox.mbox(str(path)) if kind == "mbox" else mailbox.Maildir(str(path))
    box.add(_request("Bruno <bruno@exemple.fr>", "desabonnement jeton-bruno"))  # the mailto link
    box.add(_request("chloe.perso@exemple.fr", "=?utf-8?q?D=C3=A9sabonnement?= s'il vous plaît"))
    box.add(_request("ami@exemple.fr", "Une réponse à la lettre"))
    box.close()
    done = invoke(project, "unsubscribes", str(path))
    assert done.returncode == 0, done.stderr
    assert "2 nouvelles demandes de désabonnement, 2 au total" in done.stdout
    assert "1 autre message laissé de côté" in done.stdout
    again = invoke(project, "unsubscribes", str(path))
    assert "0 nouvelle demande de désabonnement, 2 au total" in again.stdout
    rows = (project / "private" / "unsubscribed.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "email,token,date,source"
    found = sorted(",".join(row.split(",")[:3]) for row in rows[1:])  # a Maildir has no order
    assert found == ["bruno@exemple.fr,jeton-bruno,2026-11-23T09:00:00+01:00",
                     "chloe.perso@exemple.fr,,2026-11-23T09:00:00+01:00"]  # by hand: no token


def test_missing_mailbox_is_named(project):
    from test_cli import invoke

    done = invoke(project, "unsubscribes", "nulle-part.mbox")
    assert done.returncode == 1 and "nulle-part.mbox\u00a0: boîte aux lettres introuvable" in done.stderr


def test_a_token_seen_in_an_unsubscribe_request_stops_delivery(editions, smtp, tmp_path):
    recorder, port = smtp
    people, _ = sending.read_subscribers(subscribers_file(tmp_path, PEOPLE), {e.tier for e in editions})
    journal = sending.Journal(tmp_path / "envois.sqlite3")
    report = sending.send_issue(editions, people, journal, sending.Mailer(sending.SmtpConfig(
        "127.0.0.1", port, "none", None, None)), issue=2, sender="claire@nenufar.example",
        unsubscribed=set(), unsubscribed_tokens={"jeton-bruno"})
    journal.close()
    assert report.unsubscribed == ["bruno@exemple.fr"] and recorder.received("bruno@exemple.fr") == 0


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_certificate_is_verified(editions, tmp_path, monkeypatch):
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True)
    controller.start()
    try:
        people, _ = sending.read_subscribers(subscribers_file(tmp_path, PEOPLE[:1]), {e.tier for e in editions})
        config = sending.SmtpConfig("127.0.0.1", controller.port, "starttls", None, None)

        def attempt():
            journal = sending.Journal(tmp_path / "envois.sqlite3")
            try:
                return sending.send_issue(editions, people, journal, sending.Mailer(config), issue=2,
                                          sender="claire@nenufar.example", unsubscribed=set())
            finally:
                journal.close()

        with pytest.raises(sending.SendError, match="certificat du serveur SMTP 127.0.0.1 n’a pas pu être vérifié"):
            attempt()  # an unknown certificate: nothing is sent, no password would leave
        assert recorder.messages == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now trusted, as a real CA would be
        assert attempt().sent == ["alice@exemple.fr"]
        assert recorder.received("alice@exemple.fr") == 1
    finally:
        controller.stop()



def test_a_missing_subscriber_file_is_named_in_french(tmp_path):
    with pytest.raises(sending.SendError, match="absent.csv\u00a0: fichier des abonnés introuvable$"):
        sending.read_subscribers(tmp_path / "absent.csv", {"public"})


# The plan: what --dry-run shows is what the send does.

class FakeMailer:
    """Replaces the SMTP session only: keeps (recipient, message) in memory."""

    def __init__(self):
        self.sent: list[tuple[str, bytes]] = []

    def send(self, sender, recipient, data):
        self.sent.append((recipient, data))

    def close(self):
        pass


def test_the_plan_counts_who_gets_which_edition_before_anything_is_sent(tmp_path):
    from types import SimpleNamespace

    from newsletter.unsubscribes import Request, merge

    editions = [SimpleNamespace(issue=2, tier=t, preview=False) for t in ("public", "abonnes", "cercle")]
    path = subscribers_file(tmp_path, PEOPLE + ["dora@exemple.fr,Dora,cercle,jeton-dora", "faux,Faux,public,jeton-faux"])
    unsubscribed = tmp_path / "unsubscribed.csv"
    merge([Request("", "jeton-bruno", "", "boite#1"), Request("dora@exemple.fr", "", "", "boite#2")], unsubscribed)
    plan = sending.plan_send(editions, path, unsubscribed)
    assert [s.email for s in plan.subscribers] == ["alice@exemple.fr", "bruno@exemple.fr", "chloe@exemple.fr",
                                                  "dora@exemple.fr"]
    assert [s.email for s in plan.recipients] == ["alice@exemple.fr", "chloe@exemple.fr"]
    assert [s.email for s in plan.unsubscribed] == ["bruno@exemple.fr", "dora@exemple.fr"]
    assert [(p.path, p.line) for p in plan.skipped] == [("abonnes.csv", 6)]
    assert plan.counts() == {"public": 1, "abonnes": 0, "cercle": 1}
    assert plan.summary() == ("numéro 2\u00a0: 2 destinataires (public 1, abonnes 0, cercle 1), 1 ligne ignorée, "
                              "2 désabonnés")


def test_the_send_follows_the_plan(editions, tmp_path):
    path = subscribers_file(tmp_path, PEOPLE)
    unsubscribed = tmp_path / "unsubscribed.csv"
    from newsletter.unsubscribes import Request, merge

    merge([Request("", "jeton-bruno", "", "boite#1")], unsubscribed)
    plan = sending.plan_send(editions, path, unsubscribed)
    mailer, journal = FakeMailer(), sending.Journal(tmp_path / "envois.sqlite3")
    outcomes = []
    try:
        report = sending.send_plan(plan, journal, mailer, sender="Claire Morvan <claire@nenufar.example>",
                                   on_progress=lambda subscriber, outcome: outcomes.append((subscriber.email, outcome)))
        again = sending.send_plan(plan, journal, FakeMailer(), sender="Claire Morvan <claire@nenufar.example>")
    finally:
        journal.close()
    assert [r for r, _ in mailer.sent] == [s.email for s in plan.recipients] == ["alice@exemple.fr", "chloe@exemple.fr"]
    assert report == sending.Report(sent=["alice@exemple.fr", "chloe@exemple.fr"], unsubscribed=["bruno@exemple.fr"])
    assert outcomes == [("alice@exemple.fr", "sent"), ("bruno@exemple.fr", "unsubscribed"), ("chloe@exemple.fr", "sent")]
    assert again == sending.Report(already=["alice@exemple.fr", "chloe@exemple.fr"], unsubscribed=["bruno@exemple.fr"])
    assert report.summary(0) == ("2 envoyés, 0 déjà envoyé, 1 désabonné, 0 ligne ignorée, 0 en échec, "
                                 "0 à reprendre, 0 incertain")
    assert report.details() == []
