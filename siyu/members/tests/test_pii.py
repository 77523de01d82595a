"""Encryption, keyed hashing, normalization and masking of phone numbers."""

import random

import phonenumbers
import pytest
from cryptography.exceptions import InvalidTag

from siyu.members import pii


def test_encrypt_round_trip_and_random_nonce() -> None:
    a, b = pii.encrypt("+8613800138000"), pii.encrypt("+8613800138000")
    assert a != b  # equal phones must not be recognisable from their ciphertexts
    assert "13800138000" not in a
    assert pii.decrypt(a) == pii.decrypt(b) == "+8613800138000"


def test_tampered_ciphertext_is_refused() -> None:
    stored = pii.encrypt("+8613800138000")
    version, payload = stored.split(":")
    flipped = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises((InvalidTag, ValueError)):
        pii.decrypt(f"{version}:{flipped}")


def test_keys_come_from_siyu_field_key(settings) -> None:
    # Given a value hashed and encrypted under one key
    settings.SIYU_FIELD_KEY = "the first key"
    first_hash, stored = pii.lookup_hash("+8613800138000"), pii.encrypt("+8613800138000")
    assert pii.lookup_hash("+8613800138000") == first_hash  # deterministic under one key
    # When the key changes, the hash differs and the old ciphertext no longer opens
    settings.SIYU_FIELD_KEY = "another key entirely"
    assert pii.lookup_hash("+8613800138000") != first_hash
    with pytest.raises(InvalidTag):
        pii.decrypt(stored)


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 13800138000",
        "+8613800138000",
        "(+86) 138 0013 8000",
    ],
)
def test_normalize_phone_to_e164(text: str) -> None:
    assert pii.normalize_phone(text) == "+8613800138000"


@pytest.mark.parametrize("text", ["", "12345", "1380013800", "abc", "23800138000"])
def test_normalize_rejects_non_phones(text: str) -> None:
    with pytest.raises(pii.InvalidPhone):
        pii.normalize_phone(text)


def _by_phonenumbers(text: str) -> str | None:
    """What phonenumbers alone makes of a text: E.164, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_mainland_mobiles_normalize_as_phonenumbers_does() -> None:
    # Given numbers with every four-digit prefix from 1000 to 1999, bare or after +86 or 86
    rng = random.Random(7)
    texts = [
        f"{lead}{prefix}{rng.randrange(10_000_000):07d}"
        for prefix in range(1000, 2000)
        for lead in ("", "+86", "86", "+86 ")
    ]
    texts += ["１３８００１３８０００", "(+86) 138-0013-8000", "+85213800138000", "013800138000"]
    # Then normalize_phone (which reads plain mainland mobiles without the parser) agrees
    # with phonenumbers on every one: the same E.164 form, or a refusal
    for text in texts:
        try:
            ours: str | None = pii.normalize_phone(text)
        except pii.InvalidPhone:
            ours = None
        assert ours == _by_phonenumbers(text), text


def test_mask_phone() -> None:
    assert pii.mask_phone("+8613812345678") == "138****5678"


def test_mask_text_finds_numbers_in_free_text() -> None:
    text = "call 13812345678 or +86 139-1234-5678; order 2026112312345678 stays"
    masked = pii.mask_text(text)
    assert "138****5678" in masked and "139****5678" in masked
    assert "2026112312345678" in masked  # a longer digit run is not a phone
