"""What every record owned by one client shares: access through the client's office."""

from typing import Any

from django.db import models

from organisation.access import OfficeScopedQuerySet


class ClientRecordQuerySet(OfficeScopedQuerySet):
    office_lookup = "client__office_id"


class ClientRecord(models.Model):
    """Abstract base of episodes, benefits, assessments, contacts, interventions …"""

    # Each concrete record declares its own ``client`` (for its related_name)
    # and ``objects = ClientRecordQuerySet.as_manager()``.
    client: Any
    client_id: int

    class Meta:
        abstract = True

    @property
    def office_id(self) -> int:
        return int(self.client.office_id)

    def accessed_client_ids(self) -> list[int]:
        return [self.client_id]
