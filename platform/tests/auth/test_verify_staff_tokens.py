"""TokenVerifier: the happy path and every reason a token is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_platform.auth import AuthError, AuthFailure, LocalIssuer, Role, StaffPrincipal, TokenVerifier

from .conftest import (
    AUDIENCE,
    AUGUSTUSBURG,
    ISSUER,
    NOW,
    WURZEN,
    FakeClock,
    b64,
    claims,
    hs256_with_public_key,
    unsigned,
)


async def refused(verifier: TokenVerifier, token: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        await verifier.verify(token)
    return caught.value


async def test_a_valid_token_gives_the_principal(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    principal = await verifier.verify(rsa_issuer.sign(claims()))
    assert principal == StaffPrincipal(
        subject="aug-clerk-01",
        name="Lena Hofmann",
        towns=frozenset({AUGUSTUSBURG}),
        pools=frozenset({"augustusburg"}),
        roles=frozenset({Role.CLERK}),
        issuer=ISSUER,
        expiry=datetime.fromtimestamp(NOW + 600, tz=UTC),
    )
    assert principal.has_role(Role.CLERK, Role.ADMIN)
    assert not principal.has_role(Role.APPROVER)
    assert principal.works_in_pool("augustusburg")
    assert not principal.works_in_pool("wurzen")
    assert principal.acts_for_town(AUGUSTUSBURG)
    assert not principal.acts_for_town(WURZEN)


async def test_es256_tokens_verify_too(ec_issuer: LocalIssuer, clock: FakeClock) -> None:
    verifier = TokenVerifier(ISSUER, AUDIENCE, jwks=ec_issuer.jwks(), clock=clock)
    principal = await verifier.verify(ec_issuer.sign(claims(**{"ikdz_roles": ["coordinator", "approver"]})))
    assert principal.roles == {Role.COORDINATOR, Role.APPROVER}


async def test_issue_builds_the_documented_claims(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    token = rsa_issuer.issue("wur-clerk-01", "Anna Berger", [WURZEN], ["wurzen"], [Role.CLERK], ttl=300)
    principal = await verifier.verify(token)
    assert (principal.subject, principal.name, principal.towns, principal.roles) == (
        "wur-clerk-01",
        "Anna Berger",
        {WURZEN},
        {Role.CLERK},
    )
    assert principal.expiry == datetime.fromtimestamp(NOW + 300, tz=UTC)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"aud": ["account", AUDIENCE]}, "Lena Hofmann"),  # several audiences, ours among them
        ({"name": None, "preferred_username": "lena.hofmann"}, "lena.hofmann"),
        ({"name": None}, "aug-clerk-01"),  # no display name: the subject
        ({"nbf": None}, "Lena Hofmann"),  # nbf is optional
        ({"ikdz_pools": [], "ikdz_towns": []}, "Lena Hofmann"),  # empty lists are fine
    ],
)
async def test_accepted_variants(
    rsa_issuer: LocalIssuer, verifier: TokenVerifier, extra: dict[str, Any], expected: str
) -> None:
    assert (await verifier.verify(rsa_issuer.sign(claims(**extra)))).name == expected


async def test_unknown_roles_are_ignored_not_granted(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    principal = await verifier.verify(rsa_issuer.sign(claims(ikdz_roles=["clerk", "auditor", "superuser"])))
    assert principal.roles == {Role.CLERK}


@pytest.mark.parametrize(
    ("seconds_after_expiry", "accepted"),
    [(-1, True), (30, True), (31, False), (3600, False)],
)
async def test_expiry_with_leeway(
    rsa_issuer: LocalIssuer, verifier: TokenVerifier, clock: FakeClock, seconds_after_expiry: int, accepted: bool
) -> None:
    token = rsa_issuer.sign(claims())
    clock.advance(600 + seconds_after_expiry)
    if accepted:
        await verifier.verify(token)
    else:
        error = await refused(verifier, token)
        assert error.reason is AuthFailure.EXPIRED
        assert "expired at 2026-" in error.detail


@pytest.mark.parametrize(
    ("overrides", "reason", "detail"),
    [
        ({"nbf": int(NOW) + 120}, AuthFailure.NOT_YET_VALID, "not valid before"),
        ({"iat": int(NOW) + 120, "nbf": None}, AuthFailure.ISSUED_IN_FUTURE, "issued in the future"),
        ({"iss": "https://evil.test/realms/ikdz"}, AuthFailure.WRONG_ISSUER, "expected 'http://idp.test/realms/ikdz'"),
        ({"iss": ISSUER + "/"}, AuthFailure.WRONG_ISSUER, "iss is"),
        ({"aud": "other-app"}, AuthFailure.WRONG_AUDIENCE, "does not include 'ikdz'"),
        ({"aud": ["account", "other-app"]}, AuthFailure.WRONG_AUDIENCE, "does not include"),
        ({"aud": 7}, AuthFailure.INVALID_CLAIM, "aud must be"),
        ({"exp": None}, AuthFailure.MISSING_CLAIM, "exp"),
        ({"iat": None}, AuthFailure.MISSING_CLAIM, "iat"),
        ({"sub": None}, AuthFailure.MISSING_CLAIM, "sub"),
        ({"aud": None}, AuthFailure.MISSING_CLAIM, "aud"),
        ({"ikdz_roles": None}, AuthFailure.MISSING_CLAIM, "ikdz_roles"),
        ({"ikdz_towns": None, "ikdz_pools": None}, AuthFailure.MISSING_CLAIM, "ikdz_towns, ikdz_pools"),
        ({"exp": "tomorrow"}, AuthFailure.INVALID_CLAIM, "exp must be a NumericDate"),
        ({"exp": True}, AuthFailure.INVALID_CLAIM, "exp must be a NumericDate"),
        ({"exp": 10**20}, AuthFailure.INVALID_CLAIM, "exp must be a NumericDate"),
        ({"ikdz_roles": "clerk"}, AuthFailure.INVALID_CLAIM, "ikdz_roles must be an array of strings"),
        ({"ikdz_towns": ["1452202"]}, AuthFailure.INVALID_CLAIM, "ikdz_towns"),
        ({"ikdz_pools": ["Augustusburg Pool"]}, AuthFailure.INVALID_CLAIM, "ikdz_pools"),
        ({"sub": 42}, AuthFailure.INVALID_CLAIM, "sub"),
        ({"sub": ""}, AuthFailure.INVALID_CLAIM, "sub"),
    ],
)
async def test_claim_rules(
    rsa_issuer: LocalIssuer, verifier: TokenVerifier, overrides: dict[str, Any], reason: AuthFailure, detail: str
) -> None:
    error = await refused(verifier, rsa_issuer.sign(claims(**overrides)))
    assert error.reason is reason
    assert detail in error.detail
    assert str(error).startswith(f"{reason.value}: ")


async def test_alg_none_is_refused(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    for alg in ("none", "None", "NONE"):
        error = await refused(verifier, unsigned({"alg": alg, "typ": "JWT", "kid": rsa_issuer.kid}, claims()))
        assert error.reason is AuthFailure.ALG_NOT_ALLOWED
        assert "never accepted" in error.detail


async def test_hs256_signed_with_the_public_key_is_refused(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    forged = hs256_with_public_key(rsa_issuer, claims(ikdz_roles=["admin"]))
    error = await refused(verifier, forged)
    assert error.reason is AuthFailure.ALG_NOT_ALLOWED
    assert "symmetric" in error.detail


@pytest.mark.parametrize("algorithms", [["HS256"], ["none"], ["RS256", "HS512"], []])
def test_symmetric_or_no_algorithms_cannot_be_configured(algorithms: list[str]) -> None:
    with pytest.raises(ValueError, match="algorithms"):
        TokenVerifier(ISSUER, AUDIENCE, jwks={"keys": []}, algorithms=algorithms)


async def test_an_algorithm_not_configured_is_refused(ec_issuer: LocalIssuer, clock: FakeClock) -> None:
    rsa_only = TokenVerifier(ISSUER, AUDIENCE, jwks=ec_issuer.jwks(), algorithms=["RS256"], clock=clock)
    error = await refused(rsa_only, ec_issuer.sign(claims()))
    assert error.reason is AuthFailure.ALG_NOT_ALLOWED
    assert "'ES256' is not accepted" in error.detail


async def test_a_token_whose_alg_does_not_fit_the_named_key_is_refused(
    rsa_issuer: LocalIssuer, ec_issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    token = ec_issuer.sign(claims(), headers={"kid": rsa_issuer.kid})  # ES256 naming the RSA key
    error = await refused(verifier, token)
    assert error.reason is AuthFailure.ALG_NOT_ALLOWED
    assert "RSA" in error.detail


async def test_unknown_and_missing_kid(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    error = await refused(verifier, rsa_issuer.sign(claims(), headers={"kid": "no-such-key"}))
    assert error.reason is AuthFailure.UNKNOWN_KID
    assert "'no-such-key'" in error.detail
    error = await refused(verifier, rsa_issuer.sign(claims(), headers={"kid": None}))
    assert error.reason is AuthFailure.MISSING_KID


async def test_a_tampered_payload_fails_the_signature(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    header, _, signature = rsa_issuer.sign(claims()).split(".")
    forged_payload = b64(json.dumps(claims(ikdz_roles=["admin"], ikdz_towns=[WURZEN, AUGUSTUSBURG])).encode())
    error = await refused(verifier, f"{header}.{forged_payload}.{signature}")
    assert error.reason is AuthFailure.BAD_SIGNATURE


async def test_a_token_signed_by_another_key_with_our_kid_fails_the_signature(
    rsa_issuer: LocalIssuer, verifier: TokenVerifier
) -> None:
    impostor = LocalIssuer.ephemeral(ISSUER, algorithm="RS256")
    error = await refused(verifier, impostor.sign(claims(), headers={"kid": rsa_issuer.kid}))
    assert error.reason is AuthFailure.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        ("", "empty"),
        ("not-a-jwt", "compact JWS"),
        ("a.b.c.d", "compact JWS"),
        ("!!!.e30.", "header cannot be read"),
        ("x" * 20_000, "longer than"),
    ],
)
async def test_malformed_tokens(verifier: TokenVerifier, token: str, detail: str) -> None:
    error = await refused(verifier, token)
    assert error.reason is AuthFailure.MALFORMED
    assert detail in error.detail


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({"typ": "dpop+jwt"}, "typ 'dpop+jwt'"),
        ({"typ": "logout+jwt"}, "typ"),
        ({"crit": ["exp"]}, "crit"),
    ],
)
async def test_foreign_token_types_and_critical_headers_are_refused(
    rsa_issuer: LocalIssuer, verifier: TokenVerifier, headers: dict[str, Any], detail: str
) -> None:
    error = await refused(verifier, rsa_issuer.sign(claims(), headers=headers))
    assert error.reason is AuthFailure.MALFORMED
    assert detail in error.detail


async def test_at_jwt_access_tokens_are_accepted(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    await verifier.verify(rsa_issuer.sign(claims(), headers={"typ": "at+jwt"}))


@pytest.mark.parametrize(
    ("issuer", "audience", "leeway"),
    [("", AUDIENCE, 30), (ISSUER, "", 30), (ISSUER, AUDIENCE, -1)],
)
def test_verifier_configuration_is_checked(issuer: str, audience: str, leeway: float) -> None:
    with pytest.raises(ValueError, match="must not be"):
        TokenVerifier(issuer, audience, jwks={"keys": []}, leeway=leeway)
