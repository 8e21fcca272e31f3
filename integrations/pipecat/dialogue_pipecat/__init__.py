"""A Pipecat frame processor that runs a voice call's turns on a dialogue server over gRPC (`dialogue serve`)."""

try:
    from dialogue_pipecat.v1 import dialogue_pb2 as _stubs  # noqa: F401
except ModuleNotFoundError as err:
    raise ImportError("dialogue_pipecat's gRPC stubs are not generated: run `python generate_stubs.py` in "
                      "integrations/pipecat (README.md)") from err

from dialogue_pipecat.frames import HandoffFrame
from dialogue_pipecat.processor import FALLBACK, DialogueProcessor

__all__ = ["FALLBACK", "DialogueProcessor", "HandoffFrame"]
