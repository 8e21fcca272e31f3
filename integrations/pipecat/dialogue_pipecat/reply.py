"""One turn's answer, as text frames for text-to-speech: the frames an LLM service would push."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipecat.frames.frames import Frame, LLMFullResponseEndFrame, LLMFullResponseStartFrame, LLMTextFrame

from dialogue_pipecat.v1 import dialogue_pb2 as pb


@dataclass
class Reply:
    """The answer to `turn`, as far as it has gone on. Once `cut` (the caller barged in), nothing more of it does."""

    turn: pb.TurnRequest
    cut: bool = False
    retried: bool = False
    attempt: int = 1
    """The server's attempt whose text is going out: a turn run again (another server saved the session first)
    streams anew, and the earlier attempt's text is void."""
    said: dict[int, str] = field(default_factory=dict)
    """Message index -> its text gone out so far."""

    def words(self, message: int, text: str) -> list[Frame]:
        """Frames that say `text`, the next part of message `message`: the reply's start first, a space between
        messages."""
        if self.cut or not text:
            return []
        start = [] if self.said else [LLMFullResponseStartFrame()]
        spoken = text if message in self.said or not self.said else f" {text}"
        self.said[message] = self.said.get(message, "") + text
        return [*start, LLMTextFrame(spoken)]

    def rest(self, result: pb.TurnResponse) -> list[Frame]:
        """What of the turn's messages did not stream (a replayed answer), then the reply's end."""
        frames: list[Frame] = []
        for index, message in enumerate(result.messages):
            done = self.said.get(index, "")
            if message.text.startswith(done):
                frames += self.words(index, message.text[len(done):])
        return frames + self.end()

    def end(self) -> list[Frame]:
        return [LLMFullResponseEndFrame()] if self.said and not self.cut else []
