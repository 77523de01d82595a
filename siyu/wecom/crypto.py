"""WeCom's callback encryption ("WXBizMsgCrypt"): signature, AES-256-CBC, 32-byte PKCS#7.

Our own small module rather than a dependency: the scheme is a page long, and the SDKs
that implement it (wechatpy among them, which the tests use as an independent check)
bring far more than we need. Facts: ../shared/wecom.md §1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import ElementTree

BLOCK_BITS = 256  # WeCom pads to 32 bytes, not AES's 16: a 16-byte unpadder rejects real messages


class WeComCryptoError(Exception):
    """A callback that fails verification; `code` is WeCom's sample error code."""

    code = -40007

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """SHA-1 hex of the four strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()  # noqa: S324


@dataclass(frozen=True)
class CallbackCrypto:
    """One corp's callback settings: Token, EncodingAESKey and the receive id (the CorpID)."""

    token: str
    encoding_aes_key: str
    receive_id: str
    key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            key = base64.b64decode(self.encoding_aes_key + "=")
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise WeComCryptoError("EncodingAESKey must decode to 32 bytes", -40004)
        object.__setattr__(self, "key", key)

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        """The base64 ciphertext of `message`, as WeCom sends and expects it."""
        body = message.encode()
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        padder = padding.PKCS7(BLOCK_BITS).padder()
        padded = padder.update(plain) + padder.finalize()
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()

    def decrypt(self, encrypt: str) -> str:
        """The message inside `encrypt`; raises unless it is well formed and for our corp."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
            decryptor = self._cipher().decryptor()
            padded = decryptor.update(raw) + decryptor.finalize()
            unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
            (length,) = struct.unpack(">I", plain[16:20])
            message, receive_id = plain[20 : 20 + length], plain[20 + length :]
            text = message.decode()
        except (ValueError, binascii.Error, struct.error, UnicodeDecodeError) as exc:
            raise WeComCryptoError(f"cannot decrypt: {exc}", -40007) from None
        if receive_id.decode(errors="replace") != self.receive_id:
            raise WeComCryptoError("the message is for another corp", -40005)
        return text

    def check_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        if signature(self.token, timestamp, nonce, encrypt) != (msg_signature or "").lower():
            raise WeComCryptoError("bad signature", -40001)

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The answer to WeCom's URL verification: the decrypted echostr."""
        self.check_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_message(
        self, body: bytes | str, msg_signature: str, timestamp: str, nonce: str
    ) -> str:
        """The plaintext XML of a POSTed callback, after checking its signature."""
        try:
            root = ElementTree.fromstring(body)
        except Exception as exc:  # defusedxml raises several kinds for hostile or broken XML
            raise WeComCryptoError(f"not XML: {exc.__class__.__name__}", -40002) from None
        encrypt = root.findtext("Encrypt")
        if not encrypt:
            raise WeComCryptoError("no Encrypt element", -40002)
        self.check_signature(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def encrypt_message(
        self, message: str, nonce: str, timestamp: str, *, agent_id: str = ""
    ) -> tuple[str, str]:
        """(body, msg_signature) of a callback as WeCom POSTs it; the signature goes in the query."""
        encrypt = self.encrypt(message)
        body = (
            f"<xml><ToUserName><![CDATA[{self.receive_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[{agent_id}]]></AgentID></xml>"
        )
        return body, signature(self.token, timestamp, nonce, encrypt)


def parse_event(plaintext: str) -> dict[str, str]:
    """A decrypted callback's fields as a flat dict (child tags → text)."""
    try:
        root = ElementTree.fromstring(plaintext)
    except Exception as exc:  # see decrypt_message
        raise WeComCryptoError(f"not XML: {exc.__class__.__name__}", -40002) from None
    return {child.tag: (child.text or "") for child in root}
