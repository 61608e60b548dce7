"""The `roost` command: init, serve, and the admin commands."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from roost.app import build_runtime
from roost.cli import init as init_cmd
from roost.cli import users
from roost.cli.exclusive import AdminToolBusy, one_at_a_time
from roost.config import ConfigError, Settings, load_settings
from roost.core.admin.service import AdminService
from roost.log import setup_logging
from roost.model.errors import RoostError
from roost.model.ids import ADMIN_TOOL_NODE

AdminCommand = Callable[[AdminService, argparse.Namespace], Awaitable[None]]
ADMIN_TOOL_WAIT_SECONDS = 300.0  # how long an admin command waits for another one to finish


def _username(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")


def _password_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--generate", action="store_true", help="generate a password and print it once")


def _user_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="create an account")
    _username(add)
    add.add_argument("--name", help="display name")
    add.add_argument("--title")
    add.add_argument("--department")
    add.add_argument("--admin", action="store_true")
    _password_flags(add)
    add.set_defaults(run=users.add)
    listing = user.add_parser("list", help="list accounts")
    listing.add_argument("--query", help="filter by id, name or title")
    listing.set_defaults(run=users.list_users)
    for name, run, text in (
        ("show", users.show, "show one account"),
        ("disable", users.disable, "disable an account and end its sessions"),
        ("enable", users.enable, "enable an account again"),
        ("delete", users.delete, "delete an account (its messages stay)"),
    ):
        cmd = user.add_parser(name, help=text)
        _username(cmd)
        cmd.set_defaults(run=run)
    passwd = user.add_parser("passwd", help="set a new password")
    _username(passwd)
    _password_flags(passwd)
    passwd.set_defaults(run=users.passwd)
    admin = user.add_parser("admin", help="make an account admin (--revoke to undo)")
    _username(admin)
    admin.add_argument("--revoke", action="store_true")
    admin.set_defaults(run=users.make_admin)
    importing = user.add_parser("import", help="create accounts from a CSV file")
    importing.add_argument("file", help="CSV with a header: username,password,display_name,title,department,admin")
    importing.set_defaults(run=users.import_csv)


def _group_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("group", help="manage directory groups").add_subparsers(dest="action", required=True)
    add = group.add_parser("add", help="create a group (with a default room unless --no-room)")
    add.add_argument("name")
    add.add_argument("--owner", required=True, help="username of the person who owns the group's room (anyone)")
    add.add_argument("--description")
    add.add_argument("--no-room", action="store_true")
    add.set_defaults(run=users.group_add)
    group.add_parser("list", help="list groups").set_defaults(run=users.group_list)
    member = group.add_parser("member", help="put someone in a group (and its room)")
    member.add_argument("group")
    _username(member)
    member.set_defaults(run=users.group_member)
    remove = group.add_parser("remove", help="take someone out of a group (they stay in its room)")
    remove.add_argument("group")
    _username(remove)
    remove.set_defaults(run=users.group_remove)
    delete = group.add_parser("delete", help="delete a group (its room stays)")
    delete.add_argument("group")
    delete.set_defaults(run=users.group_delete)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="roost", description="Roost: in-house instant messaging.")
    root.add_argument("--config", default=os.environ.get("ROOST_CONFIG", "roost.toml"), help="default: roost.toml")
    sub = root.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create config, data folder, certificate and first admin")
    init.add_argument("--domain", default="localhost")
    init.add_argument("--data-dir", default="data")
    sub.add_parser("serve", help="run the server")
    _user_commands(sub)
    _group_commands(sub)
    return root


async def _run_admin(settings: Settings, command: AdminCommand, args: argparse.Namespace) -> None:
    runtime = build_runtime(settings, node=ADMIN_TOOL_NODE)
    runtime.start()
    try:
        await command(runtime.services.admin, args)
    finally:
        await runtime.stop()


async def _init(settings: Settings, config_path: Path, wrote: bool) -> None:
    print(f"config: {config_path} ({'written' if wrote else 'kept'})")
    made = init_cmd.ensure_certificate(settings)
    print(f"TLS certificate: {settings.cert_file} ({'made, self-signed' if made else 'kept'})")
    runtime = build_runtime(settings, node=ADMIN_TOOL_NODE)
    runtime.start()
    try:
        print(f"database: {settings.database_url.split('@')[-1]} (migrated)")
        password = await init_cmd.ensure_admin(runtime.services.admin)
    finally:
        await runtime.stop()
    if password is None:
        print("admin: an admin account exists (kept)")
    elif password:
        print(f"admin: created user 'admin' with password {password}  (shown once)")
    else:
        print("admin: created user 'admin' with the password from ROOST_ADMIN_PASSWORD")


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    config_path = Path(args.config)
    wrote = False
    if args.command == "init":
        wrote = init_cmd.write_config(config_path, args.domain, args.data_dir)
    elif not config_path.exists():
        print(f"config error: {config_path}: not found (run `roost init` first, or give --config)", file=sys.stderr)
        raise SystemExit(2)
    try:
        settings = load_settings(config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    setup_logging(settings.log.level if args.command == "serve" else "WARNING", json_output=settings.log.json_output)
    try:
        if args.command == "serve":
            from roost.server import serve  # noqa: PLC0415 - the HTTP stack loads only when serving

            serve(settings)
        else:
            if hasattr(args, "password_stdin"):  # user add, user passwd: asked before waiting for a turn
                args.password = users.read_password(args)
            with one_at_a_time(settings.data_dir, wait_seconds=ADMIN_TOOL_WAIT_SECONDS):
                if args.command == "init":
                    asyncio.run(_init(settings, config_path, wrote))
                else:
                    asyncio.run(_run_admin(settings, args.run, args))
    except AdminToolBusy as busy:
        print(f"error: {busy}", file=sys.stderr)
        raise SystemExit(1) from None
    except RoostError as error:
        print(f"error: {error.message}", file=sys.stderr)
        raise SystemExit(1) from None
    except BrokenPipeError:  # `roost user list | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
