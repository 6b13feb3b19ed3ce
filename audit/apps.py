"""App config for audit: actor checks on every write, append-only guards after migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_delete, pre_save
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from audit.guards import install_append_only_guards
        from audit.history import require_actor

        pre_save.connect(require_actor, dispatch_uid="audit.require_actor.save")
        pre_delete.connect(require_actor, dispatch_uid="audit.require_actor.delete")

        post_migrate.connect(install_append_only_guards, dispatch_uid="audit.append_only")
