"""`roost user ...` and `roost group ...`: each calls one core/admin operation."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from roost.cli.output import user_details, user_line
from roost.core.admin.service import AdminService
from roost.model.users import NewUser


def read_password(args: argparse.Namespace) -> str | None:
    """From stdin with --password-stdin, asked twice on a terminal, or None to generate one.
    Read before the command takes its turn (`cli/exclusive.py`): a prompt left open must not
    hold up every other admin command."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if getattr(args, "generate", False) or not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password (empty: generate one): ")
    if first and getpass.getpass("Again: ") != first:
        raise SystemExit("The passwords differ.")
    return first or None


async def add(admin: AdminService, args: argparse.Namespace) -> None:
    new = NewUser(args.username, args.name or "", args.title or "", args.department or "", args.admin)
    user, generated = await admin.add_user(None, new, args.password)
    print(f"created {user.username}")
    if generated:
        print(f"password: {generated}  (shown once)")


async def list_users(admin: AdminService, args: argparse.Namespace) -> None:
    after = None
    while batch := await admin.users(None, args.query or "", after=after, limit=500):
        for user in batch:
            print(user_line(user))
        after = batch[-1].username


async def show(admin: AdminService, args: argparse.Namespace) -> None:
    print(user_details(await admin.user(None, args.username)))


async def passwd(admin: AdminService, args: argparse.Namespace) -> None:
    generated = await admin.reset_password(None, args.username, args.password)
    print(f"password changed for {args.username}")
    if generated:
        print(f"password: {generated}  (shown once)")


async def disable(admin: AdminService, args: argparse.Namespace) -> None:
    await admin.set_disabled(None, args.username, True)
    print(f"disabled {args.username}; their sessions end now")


async def enable(admin: AdminService, args: argparse.Namespace) -> None:
    await admin.set_disabled(None, args.username, False)
    print(f"enabled {args.username}")


async def delete(admin: AdminService, args: argparse.Namespace) -> None:
    await admin.delete_user(None, args.username)
    print(f"deleted {args.username}")


async def make_admin(admin: AdminService, args: argparse.Namespace) -> None:
    user = await admin.set_admin(None, args.username, not args.revoke)
    print(f"{user.username} is {'an admin' if user.is_admin else 'no longer an admin'}")


async def import_csv(admin: AdminService, args: argparse.Namespace) -> None:
    try:
        text = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8-sig")
    except OSError as error:
        raise SystemExit(f"error: cannot read {args.file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SystemExit(f"error: cannot read {args.file}: it is not UTF-8 text") from None
    results = await admin.import_csv(None, text)
    failed = 0
    for result in results:
        if result.error:
            failed += 1
            print(f"line {result.line}: {result.username or '?'}: {result.error}")
        elif result.generated_password:
            print(f"{result.username}: created, password {result.generated_password}")
        else:
            print(f"{result.username}: created")
    print(f"{len(results) - failed} created, {failed} failed")
    if failed:
        raise SystemExit(1)


async def group_add(admin: AdminService, args: argparse.Namespace) -> None:
    owner = await admin.user(None, args.owner)
    description = args.description or ""
    group = await admin.create_group(None, args.name, description, with_room=not args.no_room, owner=owner)
    print(f"created group {group.name}" + (" with its room" if group.default_room_id else ""))


async def group_list(admin: AdminService, args: argparse.Namespace) -> None:
    for group in await admin.groups(None):
        print(f"{group.name:<24} {len(group.member_ids)} members")


async def group_member(admin: AdminService, args: argparse.Namespace) -> None:
    await admin.add_to_group(None, args.group, args.username)
    print(f"{args.username} is in {args.group}")


async def group_remove(admin: AdminService, args: argparse.Namespace) -> None:
    await admin.remove_from_group(None, args.group, args.username)
    print(f"{args.username} is no longer in {args.group} (still in its room, if it has one)")


async def group_delete(admin: AdminService, args: argparse.Namespace) -> None:
    await admin.delete_group(None, args.group)
    print(f"deleted group {args.group} (its room stays)")
