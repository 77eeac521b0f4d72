"""Request and response models of real-name verification and the registry import."""

from pydantic import BaseModel


class ImportSummary(BaseModel):
    created: int
    updated: int
