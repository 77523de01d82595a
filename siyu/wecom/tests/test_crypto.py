"""Callback crypto: WeCom's published vectors, and round trips against wechatpy (independent)."""

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from siyu.wecom.crypto import CallbackCrypto, WeComCryptoError, parse_event, signature

TOKEN, AES_KEY, CORP = "123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a"
crypto = CallbackCrypto(TOKEN, AES_KEY, CORP)

# From wechatpy's tests (tests/test_crypto.py), which reproduce WeCom's samples.
REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtOb"
    "vesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8"
    "NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5o"
    "azPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)
INBOUND = (
    "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<Encrypt><![CDATA["
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6y"
    "dJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/T"
    "ywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5"
    "t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
    "]]></Encrypt>\n<AgentID><![CDATA[1]]></AgentID>\n</xml>"
)


def test_published_encryption_vector() -> None:
    encrypt = crypto.encrypt(REPLY, random_prefix=b"1234567890123456")
    assert encrypt == REPLY_ENCRYPT
    assert (
        signature(TOKEN, "1411525903", "461056294", encrypt)
        == "407518b7649e86ef23978113f92d27afa9296533"
    )


def test_published_inbound_message() -> None:
    fields = parse_event(
        crypto.decrypt_message(
            INBOUND, "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294"
        )
    )
    assert (fields["Content"], fields["FromUserName"]) == ("test", "messense")


def test_published_url_verification() -> None:
    echostr = (
        "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
    )
    assert crypto.verify_url(
        "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425", echostr
    )
    with pytest.raises(WeComCryptoError) as exc:
        crypto.verify_url(
            "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374424", echostr
        )
    assert exc.value.code == -40001


@pytest.mark.parametrize(
    "message", ["", "a", "x" * 11, "x" * 12, "事件" * 40, "<xml><A>导购</A></xml>" * 7]
)
def test_round_trips_with_wechatpy(message: str) -> None:
    # 16 + 4 + len + corp id: these lengths cross and hit 32-byte boundaries exactly
    theirs = WeChatCrypto(TOKEN, AES_KEY, CORP)
    body, sig = crypto.encrypt_message(message or "<xml/>", "nonce1", "1700000000")
    assert theirs.decrypt_message(body, sig, "1700000000", "nonce1") == (message or "<xml/>")
    their_body = theirs.encrypt_message(message or "<xml/>", "nonce2", "1700000001")
    fields = parse_event(their_body)
    assert crypto.decrypt_message(their_body, fields["MsgSignature"], "1700000001", "nonce2") == (
        message or "<xml/>"
    )


def test_message_for_another_corp_is_refused() -> None:
    other = CallbackCrypto(TOKEN, AES_KEY, "wwOTHERCORP")
    body, sig = other.encrypt_message("<xml/>", "n", "1")
    with pytest.raises(WeComCryptoError) as exc:
        crypto.decrypt_message(body, sig, "1", "n")
    assert exc.value.code == -40005


def test_bad_key_and_hostile_xml() -> None:
    with pytest.raises(WeComCryptoError) as exc:
        CallbackCrypto(TOKEN, "short", CORP)
    assert exc.value.code == -40004
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>'
    with pytest.raises(WeComCryptoError) as exc:
        crypto.decrypt_message(bomb, "x", "1", "n")
    assert exc.value.code == -40002
