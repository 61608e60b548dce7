"""How the CLI prints people and results."""

from __future__ import annotations

from roost.model.users import User


def user_line(user: User) -> str:
    flags = [f for f, on in (("admin", user.is_admin), ("disabled", user.is_disabled)) if on]
    extra = f" [{', '.join(flags)}]" if flags else ""
    title = f" — {user.title}" if user.title else ""
    return f"{user.username:<24} {user.display_name}{title}{extra}"


def user_details(user: User) -> str:
    rows = [
        ("user id", user.username),
        ("name", user.display_name),
        ("title", user.title),
        ("department", user.department),
        ("admin", "yes" if user.is_admin else "no"),
        ("disabled", "yes" if user.is_disabled else "no"),
        ("created", user.created_at.isoformat(timespec="seconds")),
        ("last seen", user.last_seen_at.isoformat(timespec="seconds") if user.last_seen_at else "never"),
    ]
    return "\n".join(f"{k:<11} {v}" for k, v in rows)
