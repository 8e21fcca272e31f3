"""A phone line run by a dialogue server, with Pipecat: DialogueProcessor stands where an LLM would.

    caller -> transport.input() -> VADProcessor -> speech-to-text -> DialogueProcessor -> text-to-speech
           -> transport.output() -> Transfer

Text mode needs no phone and no speech services: type what the caller says (`:dtmf 12` presses keys, `:quit` hangs
up); each line goes once the answer to the one before has been said.

    python example.py text localhost:50051 telco_ivr --user tester

Phone mode: Twilio Media Streams over a websocket, Deepgram's speech-to-text, Cartesia's text-to-speech (the tests
do not run it; it needs accounts with all three):

    pip install -e '.[phone]'
    DEEPGRAM_API_KEY=... CARTESIA_API_KEY=... CARTESIA_VOICE_ID=... TWILIO_ACCOUNT_SID=... TWILIO_AUTH_TOKEN=... \\
        AGENTS_NUMBER=+441234567890 python example.py phone localhost:50051 telco_ivr --port 8765

with the Twilio number's voice webhook answering this TwiML (the caller's number is the user id):

    <Response><Connect><Stream url="wss://HOST/call">
        <Parameter name="from" value="{{From}}"/>
    </Stream></Connect></Response>
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading

from loguru import logger
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    EndFrame,
    Frame,
    InputDTMFFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

from dialogue_pipecat import DialogueProcessor, HandoffFrame

# Text mode


class Terminal(FrameProcessor):
    """Text mode's text-to-speech and phone line: prints each answer; `answered` is set once one has been said."""

    def __init__(self) -> None:
        super().__init__()
        self.answered = asyncio.Event()
        self._words: list[str] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, LLMTextFrame):
            self._words.append(frame.text)
        elif isinstance(frame, LLMFullResponseEndFrame):
            print(f"bot> {''.join(self._words)}", flush=True)
            self._words = []
            self.answered.set()
        elif isinstance(frame, HandoffFrame):
            print("(the call is handed over to a person)", flush=True)


async def text_call(args: argparse.Namespace) -> None:
    terminal = Terminal()
    dialogue = DialogueProcessor(args.target, args.domain, user_id=args.user, token=args.token,
                                 no_input_after=None, key_pause=1.0)
    worker = PipelineWorker(Pipeline([dialogue, terminal]), enable_rtvi=False, idle_timeout_secs=None)
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    caller = asyncio.create_task(type_lines(worker, terminal, stdin_lines()))
    await runner.run()  # until the engine ends the call, or the caller hangs up
    caller.cancel()


async def type_lines(worker: PipelineWorker, terminal: Terminal, lines: asyncio.Queue[str | None]) -> None:
    """The caller: each line once the answer before it has been said."""
    while True:
        await terminal.answered.wait()
        terminal.answered.clear()
        line = await lines.get()
        if line is None or line == ":quit":
            await worker.queue_frame(EndFrame())
            return
        try:
            frames = ([InputDTMFFrame(KeypadEntry(key)) for key in line.removeprefix(":dtmf").strip()]
                      if line.startswith(":dtmf") else [TranscriptionFrame(line, "caller", "")])
        except ValueError:
            print("keys are 0-9, * and #", flush=True)
            terminal.answered.set()
            continue
        await worker.queue_frames(frames)


def stdin_lines() -> asyncio.Queue[str | None]:
    """Standard input's non-empty lines, then None, read on a thread of their own."""
    loop, lines = asyncio.get_running_loop(), asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                loop.call_soon_threadsafe(lines.put_nowait, line.strip())
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, daemon=True).start()
    return lines


# Phone mode


class Transfer(FrameProcessor):
    """After transport.output(), so that the engine's last words have been played: on a hand-over, Twilio dials
    the agents' number instead of streaming the call here (its REST API); the stream, and the pipeline, then end.
    `frame.result.state` says where the caller was, to pick a queue."""

    def __init__(self, call_sid: str) -> None:
        super().__init__()
        self.call_sid = call_sid

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        import aiohttp

        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, HandoffFrame):
            account, token = os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"]
            url = f"https://api.twilio.com/2010-04-01/Accounts/{account}/Calls/{self.call_sid}.json"
            twiml = f"<Response><Dial>{os.environ['AGENTS_NUMBER']}</Dial></Response>"
            async with aiohttp.ClientSession(auth=aiohttp.BasicAuth(account, token)) as http, \
                    http.post(url, data={"Twiml": twiml}) as answer:
                answer.raise_for_status()


async def phone_call(websocket: object, args: argparse.Namespace) -> None:
    """One call: the caller's audio and keys come over Twilio's websocket, the answers go back as audio."""
    from pipecat.audio.vad.silero import SileroVADAnalyzer
    from pipecat.processors.audio.vad_processor import VADProcessor
    from pipecat.runner.utils import parse_telephony_websocket
    from pipecat.serializers.twilio import TwilioFrameSerializer
    from pipecat.services.cartesia.tts import CartesiaTTSService
    from pipecat.services.deepgram.stt import DeepgramSTTService
    from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport

    _, call = await parse_telephony_websocket(websocket)
    # The serializer does not hang up: when the engine ends the call the pipeline ends, which closes the stream,
    # and Twilio ends the call (nothing follows <Connect>); after a transfer the call must go on.
    serializer = TwilioFrameSerializer(call.stream_id, call.call_id,
                                       params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    transport = FastAPIWebsocketTransport(websocket, FastAPIWebsocketParams(
        audio_in_enabled=True, audio_out_enabled=True, serializer=serializer))
    pipeline = Pipeline([
        transport.input(),  # the caller's audio, and keys as InputDTMFFrame
        VADProcessor(vad_analyzer=SileroVADAnalyzer()),  # speech starts and stops: barge-in, silence
        DeepgramSTTService(api_key=os.environ["DEEPGRAM_API_KEY"]),  # the caller's words: final TranscriptionFrames
        DialogueProcessor(args.target, args.domain, session_id=call.call_id, user_id=call.body.get("from"),
                          token=args.token),
        CartesiaTTSService(api_key=os.environ["CARTESIA_API_KEY"],
                           settings=CartesiaTTSService.Settings(voice=os.environ["CARTESIA_VOICE_ID"])),
        transport.output(),  # the answers' audio to the caller; Bot{Started,Stopped}SpeakingFrame upstream
        Transfer(call.call_id),
    ])
    worker = PipelineWorker(pipeline, enable_rtvi=False,
                            params=PipelineParams(audio_in_sample_rate=8000, audio_out_sample_rate=8000))

    @transport.event_handler("on_client_disconnected")
    async def hung_up(_transport: object, _websocket: object) -> None:
        await worker.cancel()  # the processor tells the engine the call ended, unless the engine ended it

    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    await runner.run()


def phone_server(args: argparse.Namespace) -> None:
    import uvicorn
    from fastapi import FastAPI, WebSocket

    app = FastAPI()

    @app.websocket("/call")
    async def call(websocket: WebSocket) -> None:
        await websocket.accept()
        await phone_call(websocket, args)

    uvicorn.run(app, host="0.0.0.0", port=args.port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["text", "phone"])
    parser.add_argument("target", help="the dialogue server, HOST:PORT")
    parser.add_argument("domain", help="the domain to talk to, one the server hosts")
    parser.add_argument("--user", help="text mode: the caller's user id (phone mode: the calling number)")
    parser.add_argument("--token", default=os.environ.get("DIALOGUE_TOKEN"), help="the server's bearer token")
    parser.add_argument("--port", type=int, default=8765, help="phone mode: the websocket server's port")
    args = parser.parse_args()
    if args.mode == "text":
        logger.remove()
        logger.add(sys.stderr, level="WARNING")
        asyncio.run(text_call(args))
    else:
        phone_server(args)


if __name__ == "__main__":
    main()
