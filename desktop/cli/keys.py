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


@commands.command(
    "whoami",
    "show or set your name and role",
    arg("--name"),
    arg("--role", choices=["analyst", "supervisor"]),
    JSON,
    description="Show or set your name and role (analyst or supervisor).",
)
def cmd_whoami(args) -> int:
    from desktop.core.kernel import keys as keyring
    from desktop.core.kernel.profile import ROLES, load_profile

    profile = load_profile()
    if args.name or args.role:
        if args.role and args.role not in ROLES:
            print(f"assay: role must be one of {', '.join(ROLES)}", file=sys.stderr)
            return 1
        profile.name = args.name or profile.name
        profile.role = args.role or profile.role
        profile.configured = True
        profile.save()
    fp = keyring.fingerprint(
        keyring.public_raw(keyring.load_or_create_private_key(profile.id).public_key())
    )
    if args.json:
        print_json({"name": profile.name, "role": profile.role, "id": profile.id, "key": fp})
        return 0
    print(f"{profile.name} ({profile.role})\n  id: {profile.id}\n  key: {fp}")
    return 0
