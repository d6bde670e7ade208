"""The private_key_jwt client assertion, as HelseID asks for it: signed with the configured key,
`iss` and `sub` the client id, `aud` the issuer, a unique `jti`, valid at most 60 seconds, and
`kid` and `typ` in the header. (The real provider in the other tests accepts it too.)"""

import json

from joserfc import jwt
from joserfc.jwk import RSAKey

from accounts.oidc import _AssertionForHelseID
from accounts.providers import provider_from_setting

KEY = RSAKey.generate_key(2048, parameters={"kid": "client-key-1"})


def _provider():
    return provider_from_setting(
        "helseid",
        {
            "issuer": "https://helseid-sts.test.nhn.no",
            "client_id": "client-1",
            "private_key": json.dumps(KEY.as_dict(private=True)),
        },
    )


def test_the_assertion_is_what_helseid_asks_for():
    assertion = _AssertionForHelseID(_provider()).sign(None, "https://helseid-sts.test.nhn.no/connect/token")
    public = RSAKey.import_key(KEY.as_dict(private=False))
    token = jwt.decode(assertion, public, algorithms=["RS256"])
    assert token.header == {"alg": "RS256", "kid": "client-key-1", "typ": "JWT"}
    claims = token.claims
    assert claims["iss"] == claims["sub"] == "client-1"
    assert claims["aud"] == "https://helseid-sts.test.nhn.no"
    assert 0 < claims["exp"] - claims["iat"] <= 60
    assert claims["nbf"] == claims["iat"]
    again = jwt.decode(_AssertionForHelseID(_provider()).sign(None, ""), public, algorithms=["RS256"])
    assert again.claims["jti"] != claims["jti"]
