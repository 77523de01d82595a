"""Loyalty (会员权益): tiers, a points ledger with expiry, benefits, coupons and the rotating
member code — see docs/loyalty.md. Orders drive it: commerce calls `order_paid`,
`order_refunded` and `coupon_apply`; members calls `member_joined`."""
