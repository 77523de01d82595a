"""Indexes that every POS order and accrual paid for and no query reads: the order's cashier
and the ledger's order, line and refund line lose their single-column indexes (the partial
indexes that find accruals and claw-backs by line cover every look-up), and orders without a
customer leave the (customer, paid_at) index."""

from django.db import migrations, models

from siyu.core.schema import fk_index_dropped
from siyu.core.schema import unindexed_fk as _fk


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0002_no_redundant_fk_indexes"),
        ("org", "0002_staff_approve_content_permission"),
    ]

    # fmt: off
    operations = [
        migrations.AddIndex(
            model_name="commissionentry",
            index=models.Index(condition=models.Q(kind="clawback"), fields=["line"], name="commission_clawback_line"),
        ),
        fk_index_dropped("commissionentry", "line", _fk("commerce.orderline"), table="commerce_commissionentry", digest="69074c3d"),
        fk_index_dropped("commissionentry", "order", _fk("commerce.order"), table="commerce_commissionentry", digest="ce66c38d"),
        fk_index_dropped("commissionentry", "refund_line", _fk("commerce.refundline", blank=True, null=True), table="commerce_commissionentry", digest="376f1d8d"),
        fk_index_dropped("order", "cashier", _fk("org.staff", blank=True, null=True), table="commerce_order", digest="aee11ad1"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(condition=models.Q(customer_id__isnull=False), fields=["customer_id", "paid_at"], name="order_customer_paid"),
        ),
        migrations.RemoveIndex(model_name="order", name="commerce_or_custome_863638_idx"),
    ]
    # fmt: on
