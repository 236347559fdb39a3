"""Signature computation and verification, including what a receiver must refuse."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from chargegrid.webhooks.signing import SignatureError, compute, header_value, new_secret, verify

SECRET = "whsec_test_secret_0123456789"
BODY = b'{"id":"e1","type":"ping"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert compute(SECRET, 1700000000, BODY) == expected
    assert header_value(SECRET, 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_any_matching_v1() -> None:
    header = header_value(SECRET, 1000, BODY)
    assert verify(SECRET, header, BODY, now=1010) == 1000
    assert verify(SECRET, f"t=1000,v1={'0' * 64},{header.split(',')[1]}", BODY, now=1000) == 1000


@pytest.mark.parametrize(("header", "body", "now", "why"), [
    (header_value(SECRET, 1000, BODY), BODY + b" ", 1000, "no v1 signature matches"),
    (header_value("another_secret_123456", 1000, BODY), BODY, 1000, "no v1 signature matches"),
    (header_value(SECRET, 1000, BODY), BODY, 1301, "outside the 300 s tolerance"),
    ("v1=abc", BODY, 1000, "must carry t="),
    ("t=soon,v1=abc", BODY, 1000, "t: not an integer"),
    ("", BODY, 1000, "must carry t="),
])
def test_verify_refuses(header: str, body: bytes, now: int, why: str) -> None:
    with pytest.raises(SignatureError, match=why):
        verify(SECRET, header, body, now=now)


def test_secrets_are_fresh_and_long() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and a.startswith("whsec_") and len(a) >= 40


def test_the_receiver_snippet_in_the_docs_verifies_our_signatures() -> None:
    import time
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)
    check = namespace["verify"]
    now = int(time.time())
    header = header_value(SECRET, now, BODY)
    assert check(SECRET, header, BODY) is True  # type: ignore[operator]
    assert check(SECRET, header, BODY + b"x") is False  # type: ignore[operator]
    assert check("wrong_secret_0123456", header, BODY) is False  # type: ignore[operator]
    assert check(SECRET, header_value(SECRET, now - 1000, BODY), BODY) is False  # type: ignore[operator]


def test_retry_policy_doubles_up_to_the_cap() -> None:
    from datetime import timedelta

    from chargegrid.webhooks.deliveries import RetryPolicy

    policy = RetryPolicy(max_attempts=10, base=timedelta(seconds=30), cap=timedelta(hours=1))
    assert [policy.delay(n).total_seconds() for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600]
    assert policy.delay(500) == timedelta(hours=1)
