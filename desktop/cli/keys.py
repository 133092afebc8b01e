"""`assay keys … | whoami`: who is at the keyboard, their key, and the keys they trust."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from desktop.core.kernel.errors import AssayError

from .common import JSON, Commands, arg, open_workspace, print_json

commands = Commands()
keys = commands.group("keys", "keys: list | export FILE | trust FILE --fingerprint FP | revoke FP")


@keys.command("list", "your key and the trusted keys", JSON)
def keys_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        known = ws.keys()
        mine = ws.my_key()
    if args.json:
        print_json({"mine": asdict(mine), "keys": [asdict(k) for k in known]})
        return 0
    print(f"Your key ({mine.name}): {mine.fingerprint}")
    for k in known:
        flag = " (yours)" if k.mine else ""
        print(
            f"{k.status:8} {k.fingerprint}  {k.name}{flag}  [{k.role or '?'}]"
            + (f"  revoked {k.revoked_at[:10]}" if k.revoked_at else "")
        )
    return 0


@keys.command("export", "write your public key to FILE", arg("arg", metavar="FILE"))
def keys_export(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        info = ws.export_public_key(args.arg)
    print(f"Wrote your public key to {args.arg}.")
    print(f"Fingerprint: {info.fingerprint}")
    print(
        "Read this fingerprint to the recipient over a separate channel (phone, in "
        "person) so they can check it with `assay keys trust`."
    )
    return 0


@keys.command(
    "trust",
    "trust a colleague's key file",
    arg("arg", metavar="FILE"),
    arg("--fingerprint", required=True, help="the fingerprint its owner read to you out of band"),
)
def keys_trust(args) -> int:
    if not args.fingerprint:
        raise AssayError(
            "Give the fingerprint you were told out of band: --fingerprint 'XXXX XXXX …'."
        )
    with open_workspace(args, readonly=False) as ws:
        info = ws.trust_key(Path(args.arg), args.fingerprint)
    print(f"Trusted {info.name} ({info.analyst_id}), key {info.fingerprint}.")
    return 0


@keys.command("revoke", "stop trusting a key", arg("arg", metavar="FP"))
def keys_revoke(args) -> int:
    with open_workspace(args, readonly=False) as ws:
        info = ws.revoke_key(args.arg)
    print(f"Revoked {info.name}'s key {info.fingerprint}; bundles it signs are refused.")
    return 0


@keys.command(
    "passphrase",
    "protect your signing key with a passphrase (or change it)",
    description="Protect your private signing key with a passphrase, or change it. You are "
    "asked for the current one (if any) and the new one twice; scripts give the current one in "
    "ASSAY_PASSPHRASE and the new one in ASSAY_NEW_PASSPHRASE.",
)
def keys_passphrase(args) -> int:
    import getpass
    import os

    from desktop.core.kernel import keys as keyring
    from desktop.core.kernel.profile import load_profile

    profile = load_profile()
    old = None
    if keyring.is_protected(profile.id):
        old = os.environ.get(keyring.PASSPHRASE_ENV) or getpass.getpass("Current passphrase: ")
    new = os.environ.get("ASSAY_NEW_PASSPHRASE")
    if new is None:
        new = getpass.getpass("New passphrase: ")
        if getpass.getpass("Again: ") != new:
            raise AssayError("The two passphrases differ; nothing was changed.")
    keyring.set_passphrase(profile.id, new, old=old)
    print(f"Your signing key ({profile.name}) is now protected by your passphrase.")
    return 0


analyst = commands.group("analyst", "analyst: list | promote NAME | demote NAME")


@analyst.command("list", "the workspace's analysts and their roles", JSON)
def analyst_list(args) -> int:
    with open_workspace(args, readonly=True) as ws:
        rows = ws.analysts()
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['role']:10} {r['name']}  ({r['id']})")
    return 0


@analyst.command(
    "promote", "make an analyst a supervisor (supervisors only)", arg("who", metavar="NAME")
)
def analyst_promote(args) -> int:
    with open_workspace(args, readonly=False) as ws:
        ws.promote_analyst(args.who)
    print(f"{args.who} is now a supervisor in this workspace.")
    return 0


@analyst.command(
    "demote", "make a supervisor an analyst again (supervisors only)", arg("who", metavar="NAME")
)
def analyst_demote(args) -> int:
    with open_workspace(args, readonly=False) as ws:
        ws.demote_analyst(args.who)
    print(f"{args.who} is now an analyst in this workspace.")
    return 0


@commands.command(
    "whoami",
    "show or set your name (and ask for a role)",
    arg("--name"),
    arg("--role", choices=["analyst", "supervisor"]),
    JSON,
    description="Show or set your name. The supervisor role is granted by the workspace: the "
    "first to ask for it in a workspace with no supervisor gets it, after that a supervisor "
    "promotes you (`assay analyst promote NAME`).",
)
def cmd_whoami(args) -> int:
    from desktop.core.kernel import keys as keyring
    from desktop.core.kernel.profile import ROLES, load_profile

    profile = load_profile()
    if args.name or args.role:
        if args.role and args.role not in ROLES:
            print(f"assay: role must be one of {', '.join(ROLES)}", file=sys.stderr)
            return 1
        if args.role == "supervisor":
            granted = _granted_supervisor(args, profile)
            if granted is False:
                raise AssayError(
                    f"{profile.name} is not a supervisor in this workspace and it already has "
                    "one; ask a supervisor to run `assay analyst promote "
                    f"{profile.name!r}`. Nothing was changed."
                )
        profile.name = args.name or profile.name
        profile.role = args.role or profile.role
        profile.configured = True
        profile.save()
    fp = keyring.fingerprint(
        keyring.public_raw(keyring.load_or_create_private_key(profile.id).public_key())
    )
    role = _roster_role(args, profile) or profile.role
    protected = keyring.is_protected(profile.id)
    if args.json:
        print_json(
            {
                "name": profile.name,
                "role": role,
                "id": profile.id,
                "key": fp,
                "passphrase": protected,
            }
        )
        return 0
    print(f"{profile.name} ({role})\n  id: {profile.id}\n  key: {fp}")
    if not protected:
        print("  your signing key has no passphrase: set one with `assay keys passphrase`")
    return 0


def _roster(args):
    from desktop.core.kernel.session import DB_NAME

    path = Path(args.workspace)
    if not (path / DB_NAME).exists():
        return None
    import sqlite3

    conn = sqlite3.connect(f"file:{path / DB_NAME}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT id, role FROM analysts").fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _roster_role(args, profile) -> str | None:
    roster = _roster(args)
    return dict(roster).get(profile.id) if roster else None


def _granted_supervisor(args, profile) -> bool | None:
    """Whether the workspace makes this person a supervisor: True if it has, or will (no
    supervisor yet); False if it will not; None when there is no workspace to ask."""
    roster = _roster(args)
    if roster is None:
        return None
    mine = dict(roster).get(profile.id)
    if mine is not None:
        return mine == "supervisor" or not any(r == "supervisor" for _, r in roster)
    return not any(r == "supervisor" for _, r in roster)
