"""DialogueProcessor: a phone call's turns on a dialogue server, where an LLM would stand in a voice pipeline."""

from __future__ import annotations

import asyncio
import uuid

import grpc
from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    EndWorkerFrame,
    Frame,
    InputDTMFFrame,
    InterruptionFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from dialogue_pipecat.frames import HandoffFrame
from dialogue_pipecat.keypad import Keypad
from dialogue_pipecat.reply import Reply
from dialogue_pipecat.stream import ConverseStream
from dialogue_pipecat.v1 import dialogue_pb2 as pb

FALLBACK = "Sorry, something went wrong on our side. Please try again in a moment."
EVENT = pb.Event.Type
STATUS = {code.value[0]: code.name for code in grpc.StatusCode}
SPEAKS = (UserStartedSpeakingFrame, VADUserStartedSpeakingFrame)
STOPS = (UserStoppedSpeakingFrame, VADUserStoppedSpeakingFrame)
HANG_UP_WAIT_S = 2.0
"""How long the end of the call waits for the server to take its last turn."""


class DialogueProcessor(FrameProcessor):
    """Runs a call's turns on a dialogue server (`dialogue serve`), over one Converse stream, on the voice channel.

    In: the call's start (StartFrame: the engine's greeting), each final TranscriptionFrame (a text turn), keys
    (InputDTMFFrame: a DTMF turn; see `Keypad`), silence for `no_input_after` seconds once the bot has stopped
    speaking (a no-input turn; None: never), the caller hanging up (EndFrame or CancelFrame: an end-of-call turn).
    Out: each answer's text as it streams in, between LLMFullResponseStartFrame and LLMFullResponseEndFrame, as an
    LLM service's, for the text-to-speech service after it. When the engine ends the call, an EndWorkerFrame follows
    the last words (the pipeline ends once they are played); when it hands the call over, a `HandoffFrame`.

    Barge-in: the caller starting to speak (UserStartedSpeakingFrame, VADUserStartedSpeakingFrame) or pressing a key
    while the bot speaks, or while an answer is going out, interrupts it (InterruptionFrame, which stops
    text-to-speech and the transport's audio), and nothing more of it goes out; a turn sent before the previous
    answer has arrived cuts that answer, as the server does.

    Each turn has an id of its own: when the stream breaks (UNAVAILABLE: the server restarted), the turns not
    answered are sent once more on a new stream with the same ids, so none runs twice. A turn that fails says
    `fallback` instead, and the error is logged; the pipeline goes on.
    """

    def __init__(self, target: str, domain: str, *, session_id: str | None = None, user_id: str | None = None,
                 token: str | None = None, credentials: grpc.ChannelCredentials | None = None,
                 no_input_after: float | None = 6.0, key_pause: float = 3.0, fallback: str = FALLBACK, **kwargs):
        super().__init__(**kwargs)
        self.domain, self.user_id = domain, user_id or ""
        self.session_id = session_id or uuid.uuid4().hex
        self.no_input_after, self.fallback = no_input_after, fallback
        self._stream = ConverseStream(target, token=token, credentials=credentials)
        self._keypad = Keypad(key_pause, self._keys)
        self._replies: dict[str, Reply] = {}  # turn id -> an answer not over
        self._reader: asyncio.Task | None = None
        self._live = False  # the call is on: started, not ended or handed over
        self._asks_value = False  # the last answer asks for a value: keys gather
        self._bot_speaking = self._caller_speaking = False
        self._silence: asyncio.TimerHandle | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame):
            await self._caller_speaks()
            self._caller_speaking = False
            if self._live and frame.text.strip():
                self._turn(text=frame.text.strip())
            return
        if isinstance(frame, InputDTMFFrame):
            await self._caller_speaks()
            if self._live:
                self._keypad.press(frame.button.value, gather=self._asks_value)
            return
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self._hang_up()
        await self.push_frame(frame, direction)
        if isinstance(frame, StartFrame):
            self._live = True
            self._turn(event=pb.Event(type=EVENT.TYPE_START))
        elif isinstance(frame, SPEAKS):
            self._caller_speaking = True
            await self._caller_speaks()
        elif isinstance(frame, STOPS):
            self._caller_speaking = False
            self._wait_for_caller()
        elif isinstance(frame, InterruptionFrame):  # from before this processor: it cuts what is going out
            for reply in self._replies.values():
                reply.cut = reply.cut or bool(reply.said)
        elif isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
            self._quiet()
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
            self._wait_for_caller()

    async def cleanup(self) -> None:
        await super().cleanup()
        await self._close()

    # The caller

    async def _caller_speaks(self) -> None:
        """Barge-in: the caller talks or presses a key over the bot, or over an answer going out."""
        self._quiet()
        going_out = [reply for reply in self._replies.values() if reply.said and not reply.cut]
        if self._bot_speaking or going_out:
            for reply in going_out:
                reply.cut = True
            self._bot_speaking = False  # the interruption stops the audio
            await self.broadcast_interruption()

    def _keys(self, digits: str) -> None:
        if self._live:
            self._turn(event=pb.Event(type=EVENT.TYPE_DTMF, digits=digits))

    def _wait_for_caller(self) -> None:
        """Start counting silence, if nobody speaks and no answer is awaited."""
        waiting = any(not reply.cut for reply in self._replies.values())
        if self._live and self.no_input_after and not (self._bot_speaking or self._caller_speaking or waiting
                                                       or self._keypad.keys):
            self._quiet()
            self._silence = asyncio.get_running_loop().call_later(self.no_input_after, self._no_input)

    def _no_input(self) -> None:
        self._silence = None
        if self._live:
            self._turn(event=pb.Event(type=EVENT.TYPE_NO_INPUT))

    def _quiet(self) -> None:
        if self._silence is not None:
            self._silence.cancel()
            self._silence = None

    # The server

    def _turn(self, *, cut: bool = False, **given: object) -> None:
        """Send a turn. The answers not over are cut: the server cancels them (barge-in)."""
        self._quiet()
        for reply in self._replies.values():
            reply.cut = True
        turn = pb.TurnRequest(domain=self.domain, session_id=self.session_id, user_id=self.user_id,
                              turn_id=uuid.uuid4().hex, channel=pb.CHANNEL_VOICE, **given)
        self._replies[turn.turn_id] = Reply(turn, cut=cut)
        self._send(turn)

    def _send(self, turn: pb.TurnRequest) -> None:
        if not self._stream.open:
            self._reader = self.create_task(self._read(self._stream.start()), name=f"{self}::converse")
        self._stream.send(turn)

    async def _read(self, call: grpc.aio.StreamStreamCall) -> None:
        try:
            async for event in call:
                await self._on_event(event)
        except grpc.aio.AioRpcError as err:
            self._stream.ended()
            await self._broken(err)

    async def _on_event(self, event: pb.ConverseResponse) -> None:
        reply, kind = self._replies.get(event.turn_id), event.WhichOneof("event")
        if reply is None:
            return
        if kind == "chunk":
            await self._chunk(reply, event.chunk)
            return
        del self._replies[event.turn_id]
        if kind == "result":
            await self._result(reply, event.result)
        elif kind == "error":
            code = STATUS.get(event.error.code, event.error.code)
            logger.error(f"{self}: the dialogue server failed a turn: {code}: {event.error.message}")
            await self._fallback(reply)
        elif kind == "cancelled":  # cut here already, when the newer turn was sent
            logger.debug(f"{self}: the server cancelled the answer to turn {event.sequence} (barge-in)")

    async def _chunk(self, reply: Reply, chunk: pb.TextChunk) -> None:
        if chunk.attempt > reply.attempt:  # the turn ran again: what went out of the earlier attempt is void
            reply.attempt = chunk.attempt
            if reply.said and not reply.cut:
                await self.broadcast_interruption()
            reply.said.clear()
        if chunk.attempt == reply.attempt:
            await self._push(reply, reply.words(chunk.message, chunk.text))

    async def _result(self, reply: Reply, result: pb.TurnResponse) -> None:
        await self._push(reply, reply.rest(result))
        self._asks_value = bool(result.state.requested_slot)
        if not self._live:
            return
        if result.ended or result.handoff:
            self._live = False
            for later in self._replies.values():  # turns the caller sent over the last words: too late
                later.cut = True
            self._stream.finish()
            await self.push_frame(EndWorkerFrame(reason="the dialogue engine ended the call") if result.ended
                                  else HandoffFrame(session_id=self.session_id, result=result))
        elif not reply.said:
            self._wait_for_caller()  # an answer with nothing to say: the caller's turn again

    async def _broken(self, err: grpc.aio.AioRpcError) -> None:
        """The stream ended with an error: the turns not answered are sent once more (UNAVAILABLE), or fail."""
        if self._live or err.code() is not grpc.StatusCode.CANCELLED:  # cancelled: closed at the end of the call
            logger.error(f"{self}: the dialogue server's stream ended: {err.code().name}: {err.details()}")
        if not self._live:
            return
        unanswered = list(self._replies.values())
        if err.code() is grpc.StatusCode.UNAVAILABLE and not any(reply.retried for reply in unanswered):
            for reply in unanswered:
                reply.retried = True
                self._send(reply.turn)
            return
        self._replies.clear()
        for reply in unanswered:
            await self._fallback(reply)

    async def _fallback(self, reply: Reply) -> None:
        await self._push(reply, [*reply.words(-1, self.fallback), *reply.end()])

    async def _push(self, reply: Reply, frames: list[Frame]) -> None:
        for frame in frames:
            if reply.cut:  # barged in on while its frames went out
                return
            await self.push_frame(frame)

    # The end

    async def _hang_up(self) -> None:
        """The call is over: the engine hears of it if it did not end the call itself."""
        self._quiet()
        self._keypad.clear()
        if self._live:
            self._live = False
            self._turn(cut=True, event=pb.Event(type=EVENT.TYPE_END))
        self._stream.finish()
        if self._reader is not None:
            await asyncio.wait({self._reader}, timeout=HANG_UP_WAIT_S)
        await self._close()

    async def _close(self) -> None:
        if self._reader is not None:
            await self.cancel_task(self._reader)
            self._reader = None
        await self._stream.close()
