"""Typed settings read from the environment the template gives each function."""

from __future__ import annotations

import os

from pydantic import BaseModel


class Settings(BaseModel):
    data_table_name: str
    idempotency_table_name: str = ""
    stage: str = "dev"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            data_table_name=os.environ["DATA_TABLE_NAME"],
            idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME", ""),
            stage=os.environ.get("STAGE", "dev"),
        )
