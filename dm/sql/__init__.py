"""SQL persistence: the database, the engine's own tables and their migrations, the session store."""
