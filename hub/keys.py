"""API keys: issued and revoked by the operator (`concilia keys`), checked on every request.

A key is shown once, when it is created; the database keeps its SHA-256 digest only, so a
copy of the database gives nobody a working key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.access import Principal
from models import ApiKey, Provider, Role
from models.catalogue import provider_of_vat
from models.types import utc_now
from models.validation import InvalidRecord, normalise_vat
from resolvers.errors import BadUserInput
from resolvers.nodes import decode_id
from resolvers.queries import Sessions

KEY_PREFIX = "ck_"
# What `keys list` shows of a key: enough to tell keys apart, too little to guess one.
SHOWN = len(KEY_PREFIX) + 8
_KEY = re.compile(r"ck_[A-Za-z0-9_-]{43}")
# Keys remembered by a worker (and unknown keys too, so that guessing costs no queries).
MAX_REMEMBERED = 10_000


class KeyProblem(Exception):
    """A key that cannot be created or revoked as asked."""


@dataclass(frozen=True, slots=True)
class Issued:
    """A new key: the secret, shown once, and what it was stored as."""

    secret: str
    key: ApiKey


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    provider: str | None = None,
    explore: bool = True,
) -> Issued:
    """A new key for `name` with `role`; an editor's key names its provider (a global ID
    or a partita IVA)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise KeyProblem("a key needs a name of 1 to 120 characters")
    if role is Role.ANONYMOUS:
        raise KeyProblem("keys are for partner, editor or admin; anonymous needs no key")
    if (role is Role.EDITOR) != (provider is not None):
        raise KeyProblem("an editor's key needs --provider, and only an editor's key takes one")
    provider_id = await _provider_id(session, provider) if provider is not None else None
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=secret[:SHOWN],
        digest=digest(secret),
        role=role,
        provider_id=provider_id,
        explore=explore,
    )
    session.add(key)
    try:
        await session.flush()
    except IntegrityError:
        raise KeyProblem(f"a key named {name!r} exists already") from None
    return Issued(secret, key)


async def _provider_id(session: AsyncSession, provider: str) -> int:
    digits = re.sub(r"[\s.-]", "", provider).upper().removeprefix("IT")
    if digits.isdigit():
        try:
            found = await provider_of_vat(session, normalise_vat(digits))
        except InvalidRecord as error:
            raise KeyProblem(f"--provider: {error}") from None
    else:
        try:
            _, found = decode_id(provider, "Provider")
        except BadUserInput as error:
            raise KeyProblem(f"--provider {provider!r}: {error}") from None
        found = await session.scalar(sa.select(col(Provider.id)).where(col(Provider.id) == found))
    if found is None:
        raise KeyProblem(f"no provider {provider!r}")
    return found


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    return list((await session.scalars(sa.select(ApiKey).order_by(col(ApiKey.id)))).all())


async def revoke_key(session: AsyncSession, name: str) -> ApiKey:
    """Revoke the key named `name` (or whose shown prefix is `name`)."""
    found = (
        await session.scalars(
            sa.select(ApiKey).where(sa.or_(col(ApiKey.name) == name, col(ApiKey.prefix) == name))
        )
    ).all()
    if len(found) != 1:
        raise KeyProblem(f"no key named {name!r}" if not found else f"{name!r} names several keys")
    key = found[0]
    if key.revoked_at is None:
        key.revoked_at = utc_now()
    return key


class Keys:
    """The principal of each key a request carries, remembered for `ttl` seconds: a key
    created or revoked takes effect within that time in every worker."""

    def __init__(self, sessions: Sessions, ttl: float = 10.0) -> None:
        self.sessions = sessions
        self.ttl = ttl
        self._remembered: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()

    async def principal(self, secret: str) -> Principal | None:
        """The key's holder, or None for a key that is unknown, revoked or malformed."""
        if not _KEY.fullmatch(secret):
            return None
        hashed = digest(secret)
        now = time.monotonic()
        remembered = self._remembered.get(hashed)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        async with self.sessions() as session:
            key = await session.scalar(sa.select(ApiKey).where(col(ApiKey.digest) == hashed))
        principal = None
        if key is not None and key.revoked_at is None:
            principal = Principal(
                role=key.role,
                key_id=key.id,
                name=key.name,
                provider_id=key.provider_id,
                explore=key.explore,
            )
        self._remembered[hashed] = (now + self.ttl, principal)
        self._remembered.move_to_end(hashed)
        if len(self._remembered) > MAX_REMEMBERED:
            self._remembered.popitem(last=False)
        return principal
