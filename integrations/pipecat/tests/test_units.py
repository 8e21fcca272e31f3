"""The processor's parts that need no server: a reply's frames, and keys gathered into entries."""

from __future__ import annotations

import asyncio

from pipecat.frames.frames import LLMFullResponseEndFrame, LLMFullResponseStartFrame, LLMTextFrame

from dialogue_pipecat.keypad import MOST, Keypad
from dialogue_pipecat.reply import Reply
from dialogue_pipecat.v1 import dialogue_pb2 as pb


def spoken(frames) -> list[str]:
    names = {LLMFullResponseStartFrame: "<start>", LLMFullResponseEndFrame: "<end>"}
    return [frame.text if isinstance(frame, LLMTextFrame) else names[type(frame)] for frame in frames]


RESULT = pb.TurnResponse(messages=[pb.Message(text="Billing."), pb.Message(text="Press 1.")])


def test_a_streamed_reply_ends_with_nothing_said_twice() -> None:
    reply = Reply(pb.TurnRequest())
    frames = reply.words(0, "Bill") + reply.words(0, "ing.") + reply.words(1, "Press 1.")
    assert spoken(frames) == ["<start>", "Bill", "ing.", " Press 1."]
    assert spoken(reply.rest(RESULT)) == ["<end>"]


def test_a_replayed_answer_that_did_not_stream_is_said_from_the_result() -> None:
    assert spoken(Reply(pb.TurnRequest()).rest(RESULT)) == ["<start>", "Billing.", " Press 1.", "<end>"]


def test_a_cut_reply_says_nothing_more() -> None:
    reply = Reply(pb.TurnRequest())
    reply.words(0, "Billing.")
    reply.cut = True
    assert reply.words(1, "Press 1.") == [] and reply.rest(RESULT) == []


def test_keys_go_at_once_or_gather_until_hash_a_pause_or_the_limit() -> None:
    async def press() -> list[str]:
        entered: list[str] = []
        keypad = Keypad(0.05, entered.append)
        keypad.press("1", gather=False)
        keypad.press("#", gather=False)
        for key in "42#":
            keypad.press(key, gather=True)
        for key in "7" * (MOST + 1):
            keypad.press(key, gather=True)
        await asyncio.sleep(0.2)
        return entered

    assert asyncio.run(press()) == ["1", "#", "42", "7" * MOST, "7"]
