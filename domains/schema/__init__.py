"""The pydantic schema of a domain file."""

from domains.schema.actions import ACTION_KINDS, Action
from domains.schema.conversations import ConversationFile, ConversationTest, Step
from domains.schema.domain import Column, Domain, Intent, Memory, Settings, Table
from domains.schema.guards import Guard
from domains.schema.ivr import Ivr
from domains.schema.responses import Suggestion, Variation
from domains.schema.slots import SlotSpec
from domains.schema.tasks import FrameSlot, FrameTask, FsmState, FsmTask, SubFrame, Transition, frame_slots

__all__ = [
    "ACTION_KINDS", "Action", "Column", "ConversationFile", "ConversationTest", "Domain", "FrameSlot",
    "FrameTask", "FsmState", "FsmTask", "Guard", "Intent", "Ivr", "Memory", "Settings", "SlotSpec",
    "Step", "SubFrame", "Suggestion", "Table", "Transition", "Variation", "frame_slots",
]
