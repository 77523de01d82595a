"""Generated commerce obeys the live rules: each order's attribution is what
`order_attribute` decides for it now, the ledger is what the rates say, refunds claw back
what they should, and the shape is a footwear and down brand's (winter peak, ~11 % of
online sales after hours, a few % returned)."""

from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from siyu.commerce import attribution, commission
from siyu.commerce.models import CommissionEntry, EntryKind, Order, OrderChannel, Product
from siyu.core import periods


def test_generated_orders_follow_the_live_attribution_and_commission_rules(generated) -> None:
    assert Product.objects.filter(style_no="DOWN-0001").exists()  # what content items name
    credited = Order.objects.filter(channel=OrderChannel.POS, staff__isnull=False)
    for order in credited.order_by("?")[:25]:
        lines = list(order.lines.all())
        again = Order.objects.get(pk=order.pk)
        attribution.order_attribute(order=again, lines=lines)
        assert (again.attribution_rule, again.staff_id, again.is_after_hours, again.is_member) == (
            order.attribution_rule, order.staff_id, order.is_after_hours, order.is_member,
        )  # fmt: skip
        entries = {
            e.line_id: e
            for e in CommissionEntry.objects.filter(order=order, kind=EntryKind.ACCRUAL)
        }
        plan = commission.plan_for(order.brand_id, periods.local(order.placed_at).date())
        expected = commission.accrual_amounts(
            placed_at=order.placed_at, after_hours=order.is_after_hours, lines=lines, plan=plan,
            campaigns=commission.campaigns_for(order.brand_id, order.placed_at, order.placed_at),
        )  # fmt: skip
        assert [(entries[line.pk].rate, entries[line.pk].amount_fen) for line in lines] == expected
    # A returned line takes its whole commission back
    for order in Order.objects.filter(refunded_fen__gt=0, staff__isnull=False)[:10]:
        net = (
            CommissionEntry.objects.filter(order=order)
            .values("line_id")
            .annotate(n=Sum("amount_fen"))
        )
        refunded = {line.pk for line in order.lines.all() if line.refunded_fen}
        assert {row["line_id"] for row in net if row["n"] == 0} == refunded


def test_generated_sales_look_like_a_winter_brand(generated) -> None:
    orders = Order.objects.all()
    by_month = Counter(o.placed_at.month for o in orders.only("placed_at"))
    assert by_month[12] > by_month[6] and by_month[11] > by_month[7]
    mall = orders.filter(channel=OrderChannel.MALL)
    total = mall.aggregate(s=Sum("total_fen"))["s"]
    after = mall.filter(is_after_hours=True).aggregate(s=Sum("total_fen"))["s"]
    assert Decimal("0.05") < Decimal(after) / Decimal(total) < Decimal("0.2")
    returned = orders.filter(refunded_fen__gt=0).count() / orders.count()
    assert 0.01 < returned < 0.06
    rules = Counter(orders.values_list("attribution_rule", flat=True))
    assert rules["cashier"] and rules["share"] and rules["bound"]
