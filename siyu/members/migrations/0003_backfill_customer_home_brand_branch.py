"""Copy each customer's home store's brand and branch onto the customer row (see 0002)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Customer = apps.get_model("members", "Customer")
    Store = apps.get_model("org", "Store")
    store = Store.objects.filter(pk=OuterRef("home_store_id"))
    Customer.objects.exclude(home_store=None).update(
        home_brand_id=Subquery(store.values("brand_id")[:1]),
        home_branch_id=Subquery(store.values("branch_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0002_customer_home_brand_branch"), ("org", "0001_initial")]

    # Backwards there is nothing to undo: 0002's reversal drops the columns.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
