"""The pydantic schema of a domain file."""

from dialogue.domains.schema.actions import ACTION_KINDS, Action
from dialogue.domains.schema.conversations import ConversationFile, ConversationTest, Step
from dialogue.domains.schema.domain import Column, Domain, Intent, Memory, Settings, Table
from dialogue.domains.schema.guards import Guard
from dialogue.domains.schema.ivr import Ivr
from dialogue.domains.schema.responses import Suggestion, Variation
from dialogue.domains.schema.slots import SlotSpec
from dialogue.domains.schema.tasks import FrameSlot, FrameTask, FsmState, FsmTask, SubFrame, Transition, frame_slots

__all__ = [
    "ACTION_KINDS", "Action", "Column", "ConversationFile", "ConversationTest", "Domain", "FrameSlot",
    "FrameTask", "FsmState", "FsmTask", "Guard", "Intent", "Ivr", "Memory", "Settings", "SlotSpec",
    "Step", "SubFrame", "Suggestion", "Table", "Transition", "Variation", "frame_slots",
]
