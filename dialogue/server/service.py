"""`dialogue.v1.DialogueService`: each RPC checks its request, runs on the hosted engines and answers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc

from dialogue import wire
from dialogue.dm.state import DialogueState
from dialogue.engine import Engine
from dialogue.nlg.chunks import ChunkSink
from dialogue.server.calls import Call, Calls, deadline
from dialogue.server.converse import Conversation
from dialogue.server.errors import Refused, valid
from dialogue.server.host import Host
from dialogue.turns import TurnInput, TurnResult, anonymous_user, check_id
from dialogue.v1 import dialogue_pb2 as pb
from dialogue.v1 import dialogue_pb2_grpc as rpc


@dataclass(frozen=True)
class Checked:
    """A turn's request, checked: the engine of its domain, and its input as `Host.turn` takes it."""

    engine: Engine
    given: TurnInput


class DialogueService(rpc.DialogueServiceServicer):
    def __init__(self, host: Host, calls: Calls):
        self.host, self.calls = host, calls

    async def SendTurn(self, request: pb.TurnRequest, context: grpc.aio.ServicerContext) -> pb.TurnResponse:
        async with self.calls.unary("SendTurn", context) as call:
            return wire.turn_response(await self.turn(call, request, deadline(context)))

    async def Converse(self, requests: AsyncIterator[Any], context: grpc.aio.ServicerContext
                       ) -> AsyncIterator[pb.ConverseResponse]:
        async for response in Conversation(self, context).responses(requests):
            yield response

    async def Parse(self, request: pb.ParseRequest, context: grpc.aio.ServicerContext) -> pb.ParseResponse:
        async with self.calls.unary("Parse", context) as call:
            engine = self._engine(call, valid(request))
            started = time.perf_counter()
            understood = await self.host.parse(engine, request.text, deadline(context))
            call.fields["intent"] = understood.intent
            return pb.ParseResponse(understood=wire.understanding(understood),
                                    latency_ms=round((time.perf_counter() - started) * 1000, 3))

    async def GetSession(self, request: pb.GetSessionRequest, context: grpc.aio.ServicerContext) -> pb.Session:
        async with self.calls.unary("GetSession", context) as call:
            engine, session_id = self._engine(call, valid(request)), given_session(request)
            state = await self.host.run(lambda: engine.store.load(engine.domain.name, session_id), deadline(context))
            return wire.session(found(state, session_id))

    async def ResetSession(self, request: pb.ResetSessionRequest, context: grpc.aio.ServicerContext) -> pb.Session:
        async with self.calls.unary("ResetSession", context) as call:
            engine, session_id = self._engine(call, valid(request)), given_session(request)
            state = await self.host.run(lambda: engine.reset(session_id), deadline(context))
            return wire.session(found(state, session_id))

    async def ListDomains(self, request: pb.ListDomainsRequest,
                          context: grpc.aio.ServicerContext) -> pb.ListDomainsResponse:
        async with self.calls.unary("ListDomains", context):
            valid(request)
            return pb.ListDomainsResponse(domains=[
                pb.DomainInfo(name=name, description=engine.domain.description,
                              language=engine.domain.settings.language, intents=sorted(engine.domain.intents),
                              tasks=list(engine.domain.tasks), free_text=engine.nlu is not None)
                for name, engine in sorted(self.host.engines.items())])

    async def turn(self, call: Call, request: pb.TurnRequest, until: float | None,
                   stream: ChunkSink | None = None) -> TurnResult:
        """One turn of SendTurn or Converse, counted and logged on `call`."""
        return await self.run(call, self.check(call, request), until, stream)

    def check(self, call: Call, request: pb.TurnRequest) -> Checked:
        """The turn's request checked, field by field, without running anything (InputError, NOT_FOUND)."""
        engine = self._engine(call, valid(request))
        given, channel = wire.user_input(request), wire.channel(request.channel)
        user_id = request.user_id or anonymous_user(request.session_id)
        self.calls.turn_input(call, request.session_id, user_id, given)
        return Checked(engine, engine.check(request.session_id, given, user_id=user_id, channel=channel))

    async def run(self, call: Call, turn: Checked, until: float | None, stream: ChunkSink | None = None
                  ) -> TurnResult:
        """A checked turn, counted and logged on `call`."""
        result = await self.host.turn(turn.engine, turn.given, deadline=until, stream=stream)
        self.calls.turn_result(call, result, turn.engine.pii)
        return result

    def _engine(self, call: Call, request: Any) -> Engine:
        engine = self.host.engine(request.domain)
        call.domain = engine.domain.name
        return engine


def given_session(request: Any) -> str:
    return check_id("session_id", request.session_id)


def found(state: DialogueState | None, session_id: str) -> DialogueState:
    if state is None:
        raise Refused(grpc.StatusCode.NOT_FOUND, f"no session '{session_id[:200]}' in this domain")
    return state

