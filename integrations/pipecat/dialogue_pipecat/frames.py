"""The frame that tells the telephony side to put the caller through to a person."""

from __future__ import annotations

from dataclasses import dataclass

from pipecat.frames.frames import ControlFrame

from dialogue_pipecat.v1 import dialogue_pb2 as pb


@dataclass
class HandoffFrame(ControlFrame):
    """The engine handed the call over (`TurnResponse.handoff`). Pushed downstream after the turn's last words, so
    it leaves the output transport once they have been played; a processor after `transport.output()` then
    transfers the call (example.py). The pipeline is not ended: the transfer ends the media stream.

    Parameters:
        session_id: The call's session on the dialogue server.
        result: The turn that handed over: its state (task, FSM state, slots) says where the caller was.
    """

    session_id: str
    result: pb.TurnResponse
