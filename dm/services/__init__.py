"""Calls to the business's own HTTP services (`services:` and `call:` of a domain)."""

from dialogue.dm.services.calls import CallBook, CallNeeded, ServiceAnswer, ServiceRequest
from dialogue.dm.services.client import ServiceClient

__all__ = ["CallBook", "CallNeeded", "ServiceAnswer", "ServiceClient", "ServiceRequest"]
