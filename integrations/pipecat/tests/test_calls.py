"""Calls through a Pipecat pipeline into a real dialogue server: barge-in on an answer still being written, keys
gathered into an amount, the hand-over to a person, the caller hanging up, failures, and a server restart."""

from __future__ import annotations

import asyncio
import socket

from phone import Call
from test_phone_call import BILLING, GREETING, MAIN_MENU

from dialogue_pipecat import FALLBACK, DialogueProcessor, HandoffFrame


def test_a_question_cut_off_while_the_llm_writes_its_answer_is_never_spoken(engine, llm, logs) -> None:
    """The answer from the documents takes the LLM a second; the caller asks for the main menu meanwhile. The server
    cancels the first answer (barge-in on the stream) and nothing of it goes on to text-to-speech."""
    dialogue = DialogueProcessor(engine.target, "telco_ivr", no_input_after=None)

    async def call() -> list[str]:
        async with Call(dialogue) as phone:
            assert await phone.answer() == f"{GREETING} {MAIN_MENU}"
            llm.asked.clear()
            await phone.say("where do I find my PUK code")
            assert await asyncio.to_thread(llm.asked.wait, 10)  # the answer is being written
            await phone.say("main menu")
            assert await phone.answer() == MAIN_MENU  # after the first turn has run: turns run in order
            await phone.press("1")
            assert await phone.answer() == BILLING
            await phone.hang_up()
            return phone.line.said

    said = asyncio.run(call())
    assert said == [f"{GREETING} {MAIN_MENU}", MAIN_MENU, BILLING]
    assert any("the server cancelled the answer to turn 2 (barge-in)" in message for message in logs)
    session = engine.session("telco_ivr", dialogue.session_id)
    assert session.turn == 5 and session.ended  # the caller hung up: an end-of-call turn


def test_keys_gather_into_an_amount_while_the_engine_asks_for_one(engine) -> None:
    dialogue = DialogueProcessor(engine.target, "telco_ivr", user_id="northwind", key_pause=0.3)
    ask = "How much would you like to pay? Key in the amount in whole pounds, or say it."

    async def call() -> list[str]:
        async with Call(dialogue) as phone:
            await phone.answer()
            await phone.press("12")  # menu choices, a turn each at once: billing, then pay (cutting billing's menu)
            assert await phone.answer() == ask
            await phone.press("600#")  # one entry, ended by #
            assert await phone.answer() == f"Sorry, we can only take up to £500 over the phone. {ask}"
            await phone.press("30")  # one entry, ended by a pause
            assert await phone.answer() == ("To confirm: a payment of £30.00 with the card ending 9034. To confirm, "
                                            "press 1 or say yes. To cancel, press 2.")
            await phone.press("1")
            assert (await phone.answer()).startswith("Thank you, your payment of £30.00 has been taken.")
            return phone.line.said

    said = asyncio.run(call())
    assert "your balance is now £288.20" in said[-1] and BILLING not in said[:2]


def test_a_hand_over_follows_the_last_words_and_leaves_the_call_to_the_transport(engine) -> None:
    dialogue = DialogueProcessor(engine.target, "telco_ivr")

    async def call() -> list:
        async with Call(dialogue) as phone:
            await phone.answer()
            await phone.press("0")
            assert await phone.answer() == "Please hold while I put you through to one of our team."
            await asyncio.sleep(0.2)
            assert not phone.running.done()  # the transfer, not the pipeline, ends the call
            await phone.hang_up()
            return phone.line.log

    log = asyncio.run(call())
    kind, frame = log[-1]
    assert kind == "handoff" and isinstance(frame, HandoffFrame) and log[-2][0] == "said"
    assert frame.session_id == dialogue.session_id and frame.result.handoff and frame.result.turn == 2
    session = engine.session("telco_ivr", dialogue.session_id)
    assert session.handoff and session.turn == 2  # no end-of-call turn after the hand-over


def test_a_server_that_cannot_be_reached_gets_the_fallback_and_the_pipeline_goes_on(logs) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{free.getsockname()[1]}"
    dialogue = DialogueProcessor(target, "telco_ivr")

    async def call() -> None:
        async with Call(dialogue) as phone:
            assert await phone.answer() == FALLBACK  # the greeting failed, after one more try on a new stream
            await phone.say("billing")
            assert await phone.answer() == FALLBACK
            await phone.hang_up()
        failures = [message for message in logs if "the dialogue server's stream ended: UNAVAILABLE" in message]
        assert len(failures) == 5  # the greeting and the caller's turn tried twice each, the end of the call once

    asyncio.run(call())


def test_a_failed_turn_gets_the_fallback_and_the_stream_goes_on(engine) -> None:
    dialogue = DialogueProcessor(engine.target, "no_such_domain")  # NOT_FOUND, turn by turn

    async def call() -> None:
        async with Call(dialogue) as phone:
            assert await phone.answer() == FALLBACK
            await phone.press("1")
            assert await phone.answer() == FALLBACK

    asyncio.run(call())


def test_the_call_goes_on_after_the_server_restarts(engine) -> None:
    # No silence timer: a restart that takes longer than it (a slow machine) would add a no-input turn to the call.
    dialogue = DialogueProcessor(engine.target, "telco_ivr", user_id="tester", no_input_after=None)

    async def call() -> None:
        async with Call(dialogue) as phone:
            await phone.answer()
            await phone.press("1")
            assert await phone.answer() == BILLING
            await asyncio.to_thread(engine.restart)  # the stream ends with UNAVAILABLE
            await phone.press("1")  # on a new stream, in the same session
            assert (await phone.answer()).startswith("Your balance is £")
            await phone.hang_up()

    asyncio.run(call())
    session = engine.session("telco_ivr", dialogue.session_id)
    assert session.turn == 4 and session.ended
