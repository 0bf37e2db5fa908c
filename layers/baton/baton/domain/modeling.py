"""baton's pydantic base models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class Model(BaseModel):
    """A pydantic model whose validator and serializer are built on first use, not at import.

    A handler module declares dozens of models and a request uses a few: building them all at
    import was a third of the API function's cold start (`make bench`, cold start rows).
    """

    model_config = ConfigDict(defer_build=True)


class Complete(Model):
    """A model that always carries every field: each is required, with no default, in validation and in its JSON Schema.

    The HTTP answers and the event build on the same field bases as the stored entities (`HandoffFields`...), where
    a field may have a default (an item read back without it); here that default is dropped, so an answer or an
    event without the field is refused, and its schema lists the field as required.
    """

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        fields = cls.__pydantic_fields__
        for name, field in fields.items():
            if not field.is_required():
                fields[name] = _without_default(field)
        if leftover := [name for name, field in fields.items() if not field.is_required()]:
            # pydantic's public FieldInfo API changed shape: refuse to start rather than publish a wrong schema
            raise TypeError(f"{cls.__name__}: could not make {leftover} required (pydantic's FieldInfo changed?)")
        if cls.__pydantic_complete__:  # built already (no deferred build): build it again from these fields
            cls.model_rebuild(force=True)


def _without_default(field: FieldInfo) -> FieldInfo:
    """The same field (type, constraints, description...) with no default."""
    kept = {
        name: value
        for name, value in field.asdict()["attributes"].items()
        if name not in ("default", "default_factory") and value is not None
    }
    return FieldInfo.from_annotated_attribute(field.rebuild_annotation(), Field(**kept))
