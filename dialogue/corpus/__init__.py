"""Real conversations that nobody here wrote, replayed through a domain to measure how well it understands real
users (`dialogue eval-conversations`): readers of the Schema-Guided Dialogue format and of a team's own logs as
JSON lines (`formats`), the declared mapping from a dataset's intents, acts and slots to a domain's (`mapping`),
and the replay and its scores (`replay`).
"""
