"""Clients in the question log: a salted hash, never an address."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_salt(state_dir: Path) -> bytes:
    """The salt of client hashes, made once: replicas sharing a state directory agree on it."""
    salt_file = state_dir / "client-salt"
    if not salt_file.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        fresh = state_dir / f".client-salt.{os.getpid()}.{secrets.token_hex(4)}"
        fresh.write_bytes(secrets.token_bytes(32))
        fresh.chmod(0o600)
        try:
            os.link(fresh, salt_file)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return salt_file.read_bytes()
