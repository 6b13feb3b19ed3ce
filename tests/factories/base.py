"""The base of every factory: history rows by the 'tests' actor, and code-list lookups."""

from collections.abc import Iterable
from typing import Any

import factory
from factory.django import DjangoModelFactory

from audit.history import acting_as, system_actor
from codelists.models import Code, CodeList


class TrackedFactory(DjangoModelFactory):  # type: ignore[type-arg]
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with acting_as(system_actor("tests")):
            return super()._create(model_class, *args, **kwargs)


def code(code_list: CodeList, value: str) -> Code:
    return Code.objects.get(list_name=code_list, code=value)


def set_tracked(manager: Any, values: Iterable[Any] | None) -> None:
    """Set a tracked many-to-many (its history rows need an actor too); None leaves it empty."""
    if values is not None:
        with acting_as(system_actor("tests")):
            manager.set(values)


def tracked_links(name: str) -> factory.PostGeneration:
    """A post-generation hook that sets the tracked many-to-many `name` to what the caller
    passed (e.g. `ContactFactory(topics=[...])`)."""

    def set_links(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            set_tracked(getattr(obj, name), extracted)

    return factory.PostGeneration(set_links)
