"""A phone call through a real Pipecat pipeline: the caller's frames go in at its start, as a telephony transport
and speech-to-text would push them; `Line`, at its end, stands in for text-to-speech and the transport's output."""

from __future__ import annotations

import asyncio

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EndFrame,
    Frame,
    InputDTMFFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

from dialogue_pipecat import DialogueProcessor, HandoffFrame

WAIT_S = 15.0


class Line(FrameProcessor):
    """Takes each answer's text, and says upstream when the bot starts and stops speaking, as an output transport
    does. An answer is played at once, unless `playing` is set: then it goes on playing until interrupted."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: asyncio.Queue[str] = asyncio.Queue()
        self.log: list[tuple[str, object]] = []  # ("said", text), ("interrupted", None), ("handoff", frame)
        self.playing = False
        self._words: list[str] | None = None
        self._speaking = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if direction is not FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, LLMFullResponseStartFrame):
            self._words = []
            await self._speak(True)
        elif isinstance(frame, LLMTextFrame) and self._words is not None:
            self._words.append(frame.text)
        elif isinstance(frame, LLMFullResponseEndFrame) and self._words is not None:
            said, self._words = "".join(self._words), None
            self.log.append(("said", said))
            self.answers.put_nowait(said)
            await self._speak(self.playing)
        elif isinstance(frame, InterruptionFrame):
            self.log.append(("interrupted", None))
            self._words = None
            await self._speak(False)
        elif isinstance(frame, HandoffFrame):
            self.log.append(("handoff", frame))

    @property
    def said(self) -> list[str]:
        return [text for kind, text in self.log if kind == "said"]

    async def _speak(self, speaking: bool) -> None:
        if speaking != self._speaking:
            self._speaking = speaking
            await self.push_frame(BotStartedSpeakingFrame() if speaking else BotStoppedSpeakingFrame(),
                                  FrameDirection.UPSTREAM)


class Call:
    """`async with Call(processor) as call:` runs the pipeline [processor, Line] until it ends or the block does."""

    def __init__(self, dialogue: DialogueProcessor):
        self.dialogue, self.line = dialogue, Line()
        self.worker = PipelineWorker(Pipeline([dialogue, self.line]), enable_rtvi=False, idle_timeout_secs=None)
        self.runner = WorkerRunner(handle_sigint=False)
        self.running: asyncio.Task | None = None

    async def __aenter__(self) -> Call:
        await self.runner.add_workers(self.worker)
        self.running = asyncio.create_task(self.runner.run())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if not self.running.done():
            await self.worker.cancel()
        await asyncio.wait_for(self.running, WAIT_S)

    async def answer(self) -> str:
        """The next answer the caller hears in full."""
        return await asyncio.wait_for(self.line.answers.get(), WAIT_S)

    async def say(self, text: str) -> None:
        """The caller speaks: speech starts, speech-to-text gives the final transcription, speech stops."""
        await self.worker.queue_frames([UserStartedSpeakingFrame(), TranscriptionFrame(text, "caller", "now"),
                                        UserStoppedSpeakingFrame()])

    async def press(self, keys: str) -> None:
        await self.worker.queue_frames([InputDTMFFrame(KeypadEntry(key)) for key in keys])

    async def hang_up(self) -> None:
        """The caller hangs up: the transport ends the pipeline."""
        await self.worker.queue_frame(EndFrame())
        await self.ended()

    async def ended(self) -> None:
        """Wait for the pipeline to end."""
        await asyncio.wait_for(asyncio.shield(self.running), WAIT_S)
