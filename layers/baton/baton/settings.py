"""Typed settings read from the environment the template gives each function."""

import os
from typing import Self

from pydantic import BaseModel


class Settings(BaseModel):
    data_table_name: str
    connections_table_name: str = ""
    idempotency_table_name: str = ""
    events_topic_arn: str = ""
    websocket_url: str = ""
    websocket_management_url: str = ""
    sender_email: str = ""
    console_url: str = ""
    stage: str = "dev"

    @classmethod
    def from_env(cls) -> Self:
        """Each field from its upper-case environment variable (DATA_TABLE_NAME, ...)."""
        values = {name: os.environ[name.upper()] for name in cls.model_fields if name.upper() in os.environ}
        return cls.model_validate(values)
