"""Order lines lose the indexes of their SKU and brand: lines are read through their order
only, and every POS line paid for both B-trees."""

from django.db import migrations

from siyu.core.schema import fk_index_dropped
from siyu.core.schema import unindexed_fk as _fk


class Migration(migrations.Migration):
    dependencies = [("commerce", "0003_fewer_write_indexes")]

    # fmt: off
    operations = [
        fk_index_dropped("orderline", "sku", _fk("commerce.sku"), table="commerce_orderline", digest="2b8607f2"),
        fk_index_dropped("orderline", "brand", _fk("org.brand"), table="commerce_orderline", digest="c929ae58"),
    ]
    # fmt: on
