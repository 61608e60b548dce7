"""The `roost` command as an admin uses it: real processes in a temporary folder (docs/admin.md)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from cryptography import x509

from tests.support.server import ADMIN_PASSWORD, ServerProcess

SHOWN_ONCE = re.compile(r"password:? (\S+)  \(shown once\)")


def roost(proc: ServerProcess, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the CLI with a non-terminal stdin, so it never stops to ask for a password."""
    return proc.roost(*args, stdin=stdin)


def roost_together(
    proc: ServerProcess, *commands: Sequence[str], stdin: str = ""
) -> list[subprocess.CompletedProcess[str]]:
    """Independent commands at once, each given `stdin` (a process start costs about a second)."""
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda args: roost(proc, *args, stdin=stdin), commands))


def roost_without_admin_password(proc: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """ServerProcess.env() always sets ROOST_ADMIN_PASSWORD; this runs without it."""
    env = {k: v for k, v in proc.env().items() if k != "ROOST_ADMIN_PASSWORD"}
    return subprocess.run(
        [sys.executable, "-m", "roost.main", *args],
        cwd=proc.root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def query(proc: ServerProcess, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(proc.root / "data" / "roost.db") as db:
        return db.execute(sql, params).fetchall()


def password_works(proc: ServerProcess, username: str, password: str) -> bool:
    rows = query(
        proc,
        "SELECT c.argon2_hash FROM credentials c JOIN users u ON u.id = c.user_id WHERE u.username = ?",
        username,
    )
    try:
        return bool(rows) and PasswordHasher().verify(str(rows[0][0]), password)
    except VerificationError:
        return False


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One initialised folder shared by the admin-command tests (each uses its own names)."""
    proc = ServerProcess(tmp_path_factory.mktemp("site"))
    proc.init()
    people = proc.root / "setup.csv"
    people.write_text("username,display_name\ncarl,Carl\ndora,Dora\ngina,Gina\n", encoding="utf-8")
    made = roost(proc, "user", "import", str(people))
    assert made.returncode == 0, made.stdout + made.stderr
    yield proc


def test_admin_commands_take_turns(site: ServerProcess) -> None:
    """The admin commands share one id node: one waits while another holds the folder's lock."""
    terminal, terminal_end = pty.openpty()  # an admin at a terminal is told why nothing happens
    with open(site.root / "data" / "admin-tool.lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running `roost user import` would
        waiting = subprocess.Popen(
            [sys.executable, "-m", "roost.main", "user", "add", "tina", "--name", "Tina Turns", "--generate"],
            cwd=site.root,
            env=site.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal_end,
            text=True,
        )
        os.close(terminal_end)
        try:
            told = b""
            while b"\n" not in told:
                assert select.select([terminal], [], [], 60)[0], "the command said nothing"
                told += os.read(terminal, 1024)
            assert b"waiting for another roost admin command" in told
            assert query(site, "SELECT username FROM users WHERE username = 'tina'") == []
        finally:
            fcntl.flock(held.fileno(), fcntl.LOCK_UN)
        out, _ = waiting.communicate(timeout=60)
    os.close(terminal)
    assert waiting.returncode == 0
    assert SHOWN_ONCE.search(out)
    assert query(site, "SELECT display_name FROM users WHERE username = 'tina'") == [("Tina Turns",)]


def test_init_creates_config_database_certificate_and_admin_then_keeps_them(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path)

    first = roost(proc, "init", "--domain", "chat.example.org")

    assert first.returncode == 0, first.stderr
    assert "created user 'admin' with the password from ROOST_ADMIN_PASSWORD" in first.stdout
    assert ADMIN_PASSWORD not in first.stdout
    assert 'domain = "chat.example.org"' in (tmp_path / "roost.toml").read_text()
    assert (tmp_path / "data" / "roost.db").is_file()
    cert_file, key_file = tmp_path / "data" / "tls" / "cert.pem", tmp_path / "data" / "tls" / "key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"chat.example.org", "localhost"} <= set(names.get_values_for_type(x509.DNSName))
    assert password_works(proc, "admin", ADMIN_PASSWORD)
    before = [p.read_bytes() for p in (tmp_path / "roost.toml", cert_file, key_file)]
    admin_hash = query(proc, "SELECT argon2_hash FROM credentials")

    again = roost(proc, "init")

    assert again.returncode == 0, again.stderr
    config_line, cert_line, _database, admin_line = again.stdout.splitlines()
    assert config_line.endswith("roost.toml (kept)")
    assert cert_line.endswith("cert.pem (kept)")
    assert admin_line == "admin: an admin account exists (kept)"
    assert [p.read_bytes() for p in (tmp_path / "roost.toml", cert_file, key_file)] == before
    assert query(proc, "SELECT argon2_hash FROM credentials") == admin_hash


def test_init_without_admin_password_prints_a_generated_one_for_the_only_admin(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path)

    made = roost_without_admin_password(proc, "init")
    last_admin = roost(proc, "user", "admin", "admin", "--revoke")

    assert made.returncode == 0, made.stderr
    found = SHOWN_ONCE.search(made.stdout)
    assert found is not None, made.stdout
    assert password_works(proc, "admin", found.group(1))
    assert last_admin.returncode == 1
    assert one_error_line(last_admin) == "error: This is the last admin: make someone else admin first."


def test_user_add_show_passwd_and_delete(site: ServerProcess) -> None:
    add_alice = ["user", "add", "alice", "--name", "Alice Example", "--title", "Engineer", "--department", "R&D"]
    added, generated = roost_together(
        site, [*add_alice, "--password-stdin"], ["user", "add", "bob", "--generate"], stdin="alice-password-1\n"
    )

    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "created alice"
    assert password_works(site, "alice", "alice-password-1")
    found = SHOWN_ONCE.search(generated.stdout)
    assert found is not None, generated.stdout
    assert password_works(site, "bob", found.group(1))

    shown, changed, deleted = roost_together(
        site,
        ["user", "show", "Alice"],
        ["user", "passwd", "alice", "--password-stdin"],
        ["user", "delete", "bob"],
        stdin="alice-password-2\n",
    )

    for row in ("user id     alice", "name        Alice Example", "title       Engineer", "department  R&D"):
        assert row in shown.stdout
    assert "admin       no" in shown.stdout
    assert "disabled    no" in shown.stdout
    assert changed.stdout.strip() == "password changed for alice"
    assert password_works(site, "alice", "alice-password-2")
    assert deleted.stdout.strip() == "deleted bob"
    assert query(site, "SELECT is_deleted FROM users WHERE username = 'bob'") == [(1,)]
    assert not password_works(site, "bob", found.group(1))

    too_short, gone = roost_together(
        site, ["user", "passwd", "alice", "--password-stdin"], ["user", "show", "bob"], stdin="short\n"
    )

    assert too_short.returncode == 1
    assert one_error_line(too_short) == "error: The password must have at least 8 characters."
    assert password_works(site, "alice", "alice-password-2")
    assert gone.returncode == 1
    assert one_error_line(gone) == "error: No user 'bob'."


def test_user_disable_enable_and_admin_flags(site: ServerProcess) -> None:
    disabled, made_admin = roost_together(site, ["user", "disable", "carl"], ["user", "admin", "dora"])
    flagged = roost(site, "user", "list")

    assert disabled.stdout.startswith("disabled carl"), disabled.stderr
    assert made_admin.stdout.strip() == "dora is an admin"
    lines = {line.split()[0]: line for line in flagged.stdout.splitlines()}
    assert lines["carl"].endswith("Carl [disabled]")
    assert lines["dora"].endswith("Dora [admin]")
    assert lines["admin"].endswith("[admin]")

    enabled, revoked = roost_together(site, ["user", "enable", "carl"], ["user", "admin", "dora", "--revoke"])

    assert enabled.stdout.strip() == "enabled carl"
    assert revoked.stdout.strip() == "dora is no longer an admin"
    flags = "SELECT username, is_disabled, is_admin FROM users WHERE username IN ('carl', 'dora') ORDER BY username"
    assert query(site, flags) == [("carl", 0, 0), ("dora", 0, 0)]


def test_import_reports_each_bad_line_and_creates_the_good_ones(site: ServerProcess) -> None:
    (site.root / "people.csv").write_text(
        "\ufeffusername,password,display_name,title,department,admin\n"  # a spreadsheet's byte-order mark
        'erin,erin-password-1,"Lee, Erin",Accountant,Finance,yes\n'
        "frank,,Frank,,,\n"
        ",nobody-password,No One,,,\n"
        "erin,erin-password-2,Erin Again,,,\n"
        "gus,short,Gus,,,\n"
        "hal with space,hal-password-1,Hal,,,\n",
        encoding="utf-8",
    )
    (site.root / "odd.csv").write_text("username,email\nivy,ivy@example.org\n", encoding="utf-8")

    result, odd, missing = roost_together(
        site, ["user", "import", "people.csv"], ["user", "import", "odd.csv"], ["user", "import", "nowhere.csv"]
    )

    assert result.returncode == 1, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "erin: created"
    assert re.fullmatch(r"frank: created, password \S+", out[1])
    assert out[2:] == [
        "line 4: ?: The user id is empty.",
        "line 5: erin: The user id 'erin' is taken.",
        "line 6: gus: The password must have at least 8 characters.",
        "line 7: hal with space: The user id may not contain ' '.",
        "2 created, 4 failed",
    ]
    assert password_works(site, "erin", "erin-password-1")
    assert password_works(site, "frank", out[1].rsplit(" ", 1)[1])
    erin = "SELECT display_name, title, department, is_admin FROM users WHERE username = 'erin'"
    assert query(site, erin) == [("Lee, Erin", "Accountant", "Finance", 1)]
    assert odd.returncode == 1
    assert one_error_line(odd).startswith("error: Unknown column 'email'")
    assert query(site, "SELECT count(*) FROM users WHERE username = 'ivy'") == [(0,)]
    assert missing.returncode == 1
    assert one_error_line(missing) == "error: cannot read nowhere.csv: No such file or directory"


BAD_CONFIGS = {
    "unknown key": ("[http]\nport = 8080\nprot = 8081\n", {}, r"config error: http\.prot: unknown setting"),
    "not a number": ("", {"ROOST_HTTP__PORT": "abc"}, r"config error: http\.port: .*integer.*"),
    "invalid TOML": ("domain = \n", {}, r"config error: .*roost\.toml: not valid TOML \(.*line 1.*\)"),
    "list not JSON": ("", {"ROOST_HTTP__ALLOWED_ORIGINS": "https://a.example"}, r"config error: http: .*JSON.*"),
}


def test_bad_config_is_one_line_naming_the_key_and_exit_code_2(tmp_path: Path) -> None:
    folders = {name: tmp_path / str(i) for i, name in enumerate(BAD_CONFIGS)}
    for name, (config, _env, _expected) in BAD_CONFIGS.items():
        folders[name].mkdir()
        (folders[name] / "roost.toml").write_text(config, encoding="utf-8")

    def run(name: str) -> subprocess.CompletedProcess[str]:
        return roost(ServerProcess(folders[name], extra_env=BAD_CONFIGS[name][1]), "user", "list")

    with ThreadPoolExecutor(len(BAD_CONFIGS)) as pool:
        results = dict(zip(BAD_CONFIGS, pool.map(run, BAD_CONFIGS), strict=True))

    for name, result in results.items():
        assert result.returncode == 2, (name, result.stderr)
        assert re.fullmatch(BAD_CONFIGS[name][2], one_error_line(result)), (name, result.stderr)
        assert not (folders[name] / "data").exists(), name


def test_group_with_a_room_puts_its_members_in_the_room(site: ServerProcess) -> None:
    made, plain = roost_together(
        site,
        ["group", "add", "Engineering", "--owner", "dora", "--description", "The engineers"],  # not an admin
        ["group", "add", "Plain", "--owner", "admin", "--no-room"],
    )
    joined, unknown = roost_together(
        site, ["group", "member", "Engineering", "gina"], ["group", "member", "Nowhere", "gina"]
    )
    listed = roost(site, "group", "list")

    assert made.stdout.strip() == "created group Engineering with its room", made.stderr
    assert plain.stdout.strip() == "created group Plain", plain.stderr
    assert joined.stdout.strip() == "gina is in Engineering"
    assert unknown.returncode == 1
    assert one_error_line(unknown) == "error: No group named 'Nowhere'."
    counts = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()}
    assert counts == {"Engineering": "1", "Plain": "0"}
    room_members = query(
        site,
        "SELECT u.username, m.role FROM groups g JOIN members m ON m.conversation_id = g.default_room_id "
        "JOIN users u ON u.id = m.user_id WHERE g.name = 'Engineering' ORDER BY u.username",
    )
    assert room_members == [("dora", "owner"), ("gina", "member")]
    assert query(site, "SELECT default_room_id FROM groups WHERE name = 'Plain'") == [(None,)]

    removed, deleted = roost_together(site, ["group", "remove", "Engineering", "gina"], ["group", "delete", "Plain"])
    assert removed.stdout.strip() == "gina is no longer in Engineering (still in its room, if it has one)"
    assert deleted.stdout.strip() == "deleted group Plain (its room stays)"
    counts = {line.split()[0]: line.split()[1] for line in roost(site, "group", "list").stdout.splitlines()}
    assert counts == {"Engineering": "0"}
    assert len(query(site, "SELECT 1 FROM groups g JOIN members m ON m.conversation_id = g.default_room_id")) == 2
    missing = roost(site, "group", "delete", "Plain")
    assert (missing.returncode, one_error_line(missing)) == (1, "error: No group named 'Plain'.")
