"""Orders and commission rows lose the single-column indexes of foreign keys that a
composite index already leads with (each cost every insert a B-tree)."""

from django.db import migrations

from siyu.core.schema import fk_index_dropped
from siyu.core.schema import unindexed_fk as _fk


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0001_catalog_orders_commission"),
        ("org", "0002_staff_approve_content_permission"),
    ]

    # fmt: off
    operations = [
        fk_index_dropped("commissionentry", "staff", _fk("org.staff"), table="commerce_commissionentry", digest="970ca254"),
        fk_index_dropped("commissionentry", "store", _fk("org.store"), table="commerce_commissionentry", digest="a5e092e2"),
        fk_index_dropped("order", "branch", _fk("org.branch"), table="commerce_order", digest="70aed3ed"),
        fk_index_dropped("order", "brand", _fk("org.brand"), table="commerce_order", digest="8351f23c"),
        fk_index_dropped("order", "staff", _fk("org.staff", blank=True, null=True), table="commerce_order", digest="29217fd0"),
        fk_index_dropped("order", "store", _fk("org.store"), table="commerce_order", digest="f48d4b4e"),
    ]
    # fmt: on
