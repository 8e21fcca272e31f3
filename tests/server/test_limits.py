"""Calls in flight are bounded so that no caller locks out the others: health watches (which need no token) have
a small limit of their own and do not count against --max-calls, and one client address may hold only so many
calls."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dialogue.client import Client, ServerError
from dialogue.engine import Engine

TOKEN = "s3cret"


def test_unauthenticated_health_watches_cannot_take_the_places_of_calls(serve, restaurant) -> None:
    running = serve([Engine(restaurant)], token=TOKEN, max_calls=4, max_health_calls=8)

    async def watch_many() -> tuple[list[str], object]:
        async with grpc.aio.insecure_channel(running.target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            watches = [stub.Watch(health_pb2.HealthCheckRequest(service="")) for _ in range(40)]
            outcomes = []
            for watch in watches:
                try:
                    outcomes.append(health_pb2.HealthCheckResponse.ServingStatus.Name((await watch.read()).status))
                except grpc.aio.AioRpcError as err:
                    outcomes.append(err.code().name)
            with Client(running.target, token=TOKEN) as client:  # the watches stay open meanwhile
                served = await asyncio.to_thread(client.turn, "restaurant", "s1", "/greet")
            for watch in watches:
                watch.cancel()
            return outcomes, served

    outcomes, served = asyncio.run(watch_many())
    assert outcomes.count("SERVING") == 8 and outcomes.count("RESOURCE_EXHAUSTED") == 32
    assert served.turn == 1


def test_one_client_address_holds_only_its_share_of_the_calls(serve, restaurant) -> None:
    """127.0.0.1 holds two open Converse streams; its third call is refused, while a client connecting from
    ::1 (another address of this machine) is served; once a stream ends, the first address is served again."""
    from dialogue.v1 import dialogue_pb2 as pb
    from dialogue.v1 import dialogue_pb2_grpc as rpc

    running = serve([Engine(restaurant)], host="[::]", max_client_calls=2)
    port = running.target.rpartition(":")[2]

    async def hold_two() -> dict[str, object]:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = rpc.DialogueServiceStub(channel)
            streams = [stub.Converse() for _ in range(2)]
            for number, stream in enumerate(streams):
                await stream.write(pb.ConverseRequest(turn=pb.TurnRequest(
                    domain="restaurant", session_id=f"held-{number}", text="/greet")))
                while not (await stream.read()).HasField("result"):
                    pass
            seen: dict[str, object] = {}
            for name, target in (("same address", f"127.0.0.1:{port}"), ("other address", f"[::1]:{port}")):
                with Client(target) as client:
                    try:
                        seen[name] = (await asyncio.to_thread(client.turn, "restaurant", name, "/greet")).turn
                    except ServerError as err:
                        seen[name] = (err.code, str(err))
            await streams[0].done_writing()
            while await streams[0].read() is not grpc.aio.EOF:
                pass
            with Client(f"127.0.0.1:{port}") as client:
                seen["after a stream ended"] = (await asyncio.to_thread(client.turn, "restaurant", "later",
                                                                        "/greet")).turn
            await streams[1].done_writing()
            return seen

    seen = asyncio.run(hold_two())
    code, message = seen["same address"]
    assert code is grpc.StatusCode.RESOURCE_EXHAUSTED and "this client (ipv4:127.0.0.1) has 2 calls" in message
    assert seen["other address"] == 1 and seen["after a stream ended"] == 1
