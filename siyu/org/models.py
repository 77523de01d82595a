"""The org tree and its people."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Each staff member has exactly one role, which fixes the level of their scope."""

    GROUP_ADMIN = "group_admin", _("Group admin")  # the whole group, every brand
    HQ_OPERATOR = "hq_operator", _("HQ operator")  # their brand, or the group if no brand
    BRANCH_MANAGER = "branch_manager", _("Branch manager")  # one branch company
    STORE_MANAGER = "store_manager", _("Store manager")  # one store
    GUIDE = "guide", _("Guide")  # themselves and their own customers


class Group(models.Model):
    """The group (集团) a deployment serves: the root of the tree."""

    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    """A brand of the group (品牌)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="brands")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    """A branch company or region (分公司) of one brand, covering provinces or cities."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="branches")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Administrative division codes (6-digit adcodes, province or city level) it covers.
    region_codes = models.JSONField(_("regions covered"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StoreStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")  # kept for history; takes no new customers


class Store(models.Model):
    """A store (门店): where guides work and customers belong."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="stores")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    province_code = models.CharField(_("province code"), max_length=6)
    city_code = models.CharField(_("city code"), max_length=6)
    district_code = models.CharField(_("district code"), max_length=6, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    # The store's unified WeCom account (门店企微号), a WeCom member user id.
    wecom_userid = models.CharField(_("store WeCom account"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=StoreStatus.choices, default=StoreStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["branch", "code"]), models.Index(fields=["city_code"])]

    def __str__(self) -> str:
        return self.name


class StaffStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    RESIGNED = "resigned", _("Resigned")  # their customers must be handed over


class Staff(models.Model):
    """A person on the brand's staff, placed at one node of the tree by their role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="staff")
    employee_no = models.CharField(_("employee no."), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    wecom_userid = models.CharField(
        _("WeCom user id"), max_length=64, unique=True, null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=StaffStatus.choices, default=StaffStatus.EMPLOYED
    )
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["store", "role"]), models.Index(fields=["branch", "role"])]
        # Capabilities a role does not carry but a person may be given (see scope.GRANTABLE).
        permissions = [("approve_content", _("Approve and publish content"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"


class StaffMoveKind(models.TextChoices):
    HIRE = "hire", _("Hired")
    MOVE = "move", _("Moved")  # store, branch, brand or role changed
    RESIGN = "resign", _("Resigned")
    REHIRE = "rehire", _("Re-hired")


class StaffMove(models.Model):
    """One change in a staff member's place or status; append-only history."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=16, choices=StaffMoveKind.choices)
    from_role = models.CharField(max_length=20, blank=True)
    to_role = models.CharField(max_length=20, blank=True)
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, related_name="+")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, related_name="+")
    from_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, related_name="+")
    to_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, related_name="+")
    effective_on = models.DateField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.kind} {self.effective_on}"


class ApiToken(models.Model):
    """A token an integration sends as `Authorization: Bearer …`, scoped to one org node.

    Only a SHA-256 of the secret is stored; the secret is shown once at creation.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)  # shown in lists to tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
