"""Members and identity (会员中台): one customer (OneID) behind many identities.

A Customer is one person. Identities — phone, WeChat unionid, mini-program openid, WeCom
external_userid, POS member card, other platform ids — each belong to exactly one
customer; when two customers turn out to be the same person, `services.customer_merge`
moves every identity and every reference (apps register theirs in `merge.py`) to the
survivor and records what moved. The phone is stored only encrypted (see `pii.py`) and is
shown masked to everyone; the few roles with Capability.REVEAL_PHONE see it through
`services.customer_phone_reveal`, which writes an audit row each time.
"""
