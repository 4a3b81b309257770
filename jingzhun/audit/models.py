from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One write, anywhere. Append-only and chained: `hash` covers every field and the previous
    entry's hash, so altering, deleting or reordering a past row breaks the chain."""

    # Read through the scoping layer by region; who may read the trail at all is the role's
    # `reads_audit` (jingzhun.audit.selectors).
    SCOPE_REGION = "region_code"
    SCOPE_HOUSEHOLD = None

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"))
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(_("操作人"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    household_no = models.CharField(max_length=32, blank=True, db_index=True)
    region_code = models.CharField(max_length=12, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
