"""baton's pydantic base model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validator and serializer are built on first use, not at import.

    A handler module declares dozens of models and a request uses a few: building them all at
    import was a third of the API function's cold start (`make bench`, cold start rows).
    """

    model_config = ConfigDict(defer_build=True)
