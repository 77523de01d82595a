"""Guide–customer relationships (导购 ↔ 顾客): channel codes, friendships, transfers, acquisition.

How a friendship arrives:
1. HQ or a store creates a channel code (渠道活码) for a guide or the store's unified account
   and a kind (badge, package card, poster, game, store code, campaign); siyu asks WeCom
   for a contact way whose `state` is `sy<code id>` (≤ 30 chars) and prints the QR code.
2. A customer scans it. WeCom sends `change_external_contact/add_external_contact` with
   the member's UserID, the customer's ExternalUserID and the State.
3. `services.friendship_add` resolves the customer (external_userid → unionid → a new
   Customer; two identities meeting are merged through members' `customer_merge`),
   attributes the friendship to the code's guide and channel — also when the member is
   the store account — flags it as a duplicate when the customer is already an active
   friend at another store of the brand, and makes a new customer the guide's.
4. `del_follow_user` (the customer deleted or blocked the member) and
   `del_external_contact` (the member deleted them) end the friendship; a re-add later is
   a new friendship, so "added in the period" counts stay true.

When a guide leaves or moves, `transfer_request` queues their customers for another guide
or the store account; `transfer_poll` reads WeCom's results (done, waiting, refused,
takeover full) and `transfer_fail` callbacks; every customer's state is on the store
manager's page until it is settled.

KPIs (product.md): friends added per guide / store / branch / day against targets;
friend validity with its duplicate and block rates; transacting-customer friend
conversion (its formula is in `kpis.py`; its orders arrive with the commerce app).
"""
