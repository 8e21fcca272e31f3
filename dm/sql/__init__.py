"""Persistence: the session stores (SQL and in memory), the domain tables, the LLM response cache, migrations.

The only code that touches a database. The rest of the engine reaches it through the protocols of
`dialogue.dm.store`; code that opens a store, or looks after one, imports what is exported here, never the
modules below it.
"""

from dialogue.dm.sql.cache import LlmCache
from dialogue.dm.sql.database import in_memory
from dialogue.dm.sql.memory import MemoryStore
from dialogue.dm.sql.scratch import scratch_schema
from dialogue.dm.sql.store import SqlStore
from dialogue.dm.sql.tables import DomainTables

__all__ = ["DomainTables", "LlmCache", "MemoryStore", "SqlStore", "in_memory", "scratch_schema"]
