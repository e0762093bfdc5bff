"""Bearer authentication: the document's HS256 JWTs, and (extension) opaque API keys.

A JWT carries the access key as `iss` and is signed with that key's secret;
`nbf` and `exp` are checked with a small leeway for clock skew. Anything else
after "Bearer " is looked up as an opaque key by its digest.

Every authenticated request also counts against its account's per-minute limit.
"""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, field_validator

from stillmotion.api.deps import services
from stillmotion.api.storable import storable
from stillmotion.api.token_cache import VerifiedToken, VerifiedTokens
from stillmotion.errors import InvalidToken, MissingAuthorization
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.models import Credential

JWT_LEEWAY_SECONDS = 5
# Far beyond the document's 10-day tokens; refuses tokens minted to live forever.
MAX_JWT_LIFETIME_SECONDS = 31 * 24 * 3600


NumericDate = Annotated[StrictInt | StrictFloat, Field(allow_inf_nan=False)]
"""RFC 7519's NumericDate: a JSON number of seconds, fractions allowed; never a string or a boolean."""


class Claims(BaseModel):
    """The claims we read, checked by type before anything uses them: PyJWT takes `"exp": "1"`
    (int() of a string), and a string would then break our lifetime arithmetic."""

    model_config = ConfigDict(strict=True, extra="ignore")

    iss: str
    exp: NumericDate
    nbf: NumericDate | None = None
    iat: NumericDate | None = None

    @field_validator("nbf", "iat", mode="before")
    @classmethod
    def _sent_means_a_number(cls, value: object) -> object:
        """Absent is fine; an explicit null is not (PyJWT would call int(None) on it)."""
        if value is None:
            raise ValueError("null is not a NumericDate")
        return value


def bearer_token(header: str | None) -> str:
    if not header or not header.startswith("Bearer "):
        raise MissingAuthorization()
    token = header[len("Bearer ") :]
    if not token or token != token.strip() or " " in token:
        raise MissingAuthorization()
    return token


async def authenticate(token: str, accounts: AccountStore, verified: VerifiedTokens | None = None) -> Credential:
    if token.count(".") == 2:
        return await _verify_jwt(token, accounts, verified)
    credential = await accounts.by_api_key(token)
    if credential is None:
        raise InvalidToken("Invalid API key.")
    return credential


async def _verify_jwt(token: str, accounts: AccountStore, verified: VerifiedTokens | None) -> Credential:
    if verified is not None and (seen := verified.get(token)) is not None:
        credential = await accounts.by_access_key(seen.access_key)
        if credential is None:
            raise InvalidToken("Unknown access key.")
        if credential.secret_key == seen.secret_key:
            return credential
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidToken("Malformed token.") from None
    if not isinstance(unverified.get("iss"), str):
        raise InvalidToken("Token has no issuer (iss).")
    try:
        claims = Claims.model_validate(unverified)
    except ValidationError as invalid:
        names = sorted({str(error["loc"][0]) for error in invalid.errors() if error["loc"]})
        raise InvalidToken(f"Token claims {', '.join(names)} must be numbers of seconds (exp is required).") from None
    if not storable(claims.iss):
        raise InvalidToken("Unknown access key.")
    credential = await accounts.by_access_key(claims.iss)
    if credential is None:
        raise InvalidToken("Unknown access key.")
    try:
        jwt.decode(
            token,
            credential.secret_key,
            algorithms=["HS256"],
            leeway=JWT_LEEWAY_SECONDS,
            options={"require": ["exp", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("Token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise InvalidToken("Token is not yet valid.") from None
    except jwt.PyJWTError:
        raise InvalidToken("Invalid token signature or claims.") from None
    start = claims.nbf if claims.nbf is not None else claims.iat if claims.iat is not None else claims.exp
    if claims.exp - start > MAX_JWT_LIFETIME_SECONDS:
        raise InvalidToken("Token lifetime is too long.")
    if verified is not None:
        verified.keep(token, VerifiedToken(claims.iss, credential.secret_key, int(claims.exp) + JWT_LEEWAY_SECONDS))
    return credential


class BearerAuth(HTTPBearer):
    """The bearer scheme as FastAPI declares it in the OpenAPI schema (so /docs has "Authorize"
    and "Try it out" sends the token), and the check itself in the same dependency: one node for
    FastAPI to solve on every authenticated request, not four. `bearer_token` applies the
    document's exact format; every refusal is ours, never HTTPBearer's."""

    async def __call__(self, request: Request) -> Credential:  # type: ignore[override]
        api = services(request)
        token = bearer_token(request.headers.get("authorization"))
        credential = await authenticate(token, api.store.accounts, api.verified_tokens)
        await api.rate_limiter.hit(credential.account_id)
        return credential


current_credential = BearerAuth(
    auto_error=False,
    scheme_name="bearer",
    description="The document's HS256 JWT (iss = access key, signed with the secret key) or an opaque API key.",
)

CurrentCredential = Annotated[Credential, Depends(current_credential)]
