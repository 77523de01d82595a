"""Protection of personal data: phone numbers encrypted at rest, found by keyed hash, shown masked.

Two keys are derived from SIYU_FIELD_KEY with HKDF: one for AES-256-GCM encryption
(random 96-bit nonce per value, so equal phones encrypt differently), one for HMAC-SHA256
lookup hashes (deterministic, so a phone can be found without decrypting every row, and
useless without the key). Ciphertexts carry a version prefix so the key can be rotated.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import os
import re
from functools import cache

import phonenumbers
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

CIPHER_VERSION = "v1"
DEFAULT_REGION = "CN"


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


@cache
def _keys(secret: str) -> tuple[bytes, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            secret.encode()
        )

    return derive(b"siyu field encryption"), derive(b"siyu lookup hash")


def _encryption_key() -> bytes:
    return _keys(settings.SIYU_FIELD_KEY)[0]


def _hash_key() -> bytes:
    return _keys(settings.SIYU_FIELD_KEY)[1]


def encrypt(plaintext: str) -> str:
    """Encrypt a value for storage."""
    nonce = os.urandom(12)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, plaintext.encode(), None)
    return f"{CIPHER_VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str) -> str:
    """Decrypt a value written by `encrypt()`; raises if it was tampered with."""
    version, _, payload = stored.partition(":")
    if version != CIPHER_VERSION:
        raise ValueError(f"unknown cipher version {version!r}")
    raw = base64.b64decode(payload)
    return AESGCM(_encryption_key()).decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(value: str) -> str:
    """A keyed hash of an already-normalized value, for exact-match lookup."""
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()


# A mainland mobile number as tills and forms write it (11 ASCII digits, perhaps after +86),
# and phonenumbers' own pattern for CN mobile numbers: a number of that form matching that
# pattern is valid, and its E.164 form is +86 and the digits (a test sweeps every prefix
# against phonenumbers). Parsing one through phonenumbers costs about 60 µs, as much as a
# POS order's whole import.
_PLAIN_MAINLAND = re.compile(r"(?:\+86)?(1[0-9]{10})")
_MAINLAND_MOBILE = re.compile(
    str(phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern),  # type: ignore[union-attr]
    re.ASCII,
)


@functools.lru_cache(maxsize=65_536)
def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """The phone in E.164 (`+8613812345678`); raises InvalidPhone when it is not one.
    Remembered, and a plain mainland mobile number read without phonenumbers' parser:
    imports see thousands of members, and the same ones again and again."""
    cleaned = re.sub(r"[\s\-()]", "", text or "")
    plain = _PLAIN_MAINLAND.fullmatch(cleaned) if region == "CN" else None
    if plain is not None and _MAINLAND_MOBILE.fullmatch(plain[1]):
        return f"+86{plain[1]}"
    if re.search(r"[A-Za-z]", cleaned):
        # phonenumbers reads letters as a keypad's digits (vanity numbers, unused in China):
        # a member number such as MA1C8… would otherwise parse as a mobile number.
        raise InvalidPhone("letters are not a phone number")
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """What everyone without the reveal right sees: `138****5678`."""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) < 7:
        return "*" * len(national)
    return f"{national[:3]}{'*' * (len(national) - 7)}{national[-4:]}"


# An 11-digit mainland mobile number, bare or with +86/86, not inside a longer digit run.
MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Every mobile number inside free text, masked."""
    return MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class PhoneMaskingFilter(logging.Filter):
    """Masks phone numbers in every log record, so logs never hold one in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
