"""A whole telco_ivr phone call through a Pipecat pipeline into a real dialogue server: the greeting, silence, speech
and keys through the menus, a question answered from the FAQ, and the caller barging in on the troubleshooting
steps with the answer that ends the call."""

from __future__ import annotations

import asyncio

from phone import Call

from dialogue_pipecat import DialogueProcessor

GREETING = "Thanks for calling Skyline Mobile. Calls may be recorded for training and quality purposes."
MAIN_MENU = ("For billing and payments, press 1 or say billing. For technical support, press 2 or say technical "
             "support. For our plans and upgrades, press 3 or say plans. To speak to an agent, press 0 at any time.")
BILLING = ("Billing. To hear your balance, press 1. To pay your bill, press 2. To go back to the main menu, press 9 "
           "or star.")
BALANCE = ("Your balance is £42.50, due on 5 December. To pay your bill now, press 1. To hear your balance again, "
           "press 2. For the main menu, press 9.")
OPENING_HOURS = "Our shops are open from 9am to 6pm, Monday to Saturday, and from 11am to 5pm on Sundays."
ROUTER = ("Let's try the quickest fix first. Switch your router off at the wall, wait thirty seconds, then switch it "
          "back on. It can take two minutes for the lights to settle. Did that fix it? Press 1 or say yes, or press 2 "
          "or say no.")
GOODBYE = "Great, I'm glad that's sorted. Thanks for calling Skyline Mobile. Goodbye."


def test_a_whole_phone_call_barge_in_included(engine) -> None:
    dialogue = DialogueProcessor(engine.target, "telco_ivr", user_id="tester", no_input_after=1.0)

    async def call() -> None:
        async with Call(dialogue) as phone:
            assert await phone.answer() == f"{GREETING} {MAIN_MENU}"
            assert await phone.answer() == f"Sorry, I didn't hear anything. {MAIN_MENU}"  # a second of silence
            await phone.say("I've got a question about my bill")
            assert await phone.answer() == BILLING
            await phone.press("1")
            assert await phone.answer() == BALANCE
            await phone.say("take me back to the main menu")
            assert await phone.answer() == MAIN_MENU
            await phone.say("what time do your shops open")
            assert await phone.answer() == f"{OPENING_HOURS} {MAIN_MENU}"
            phone.line.playing = True  # the steps take a while to play...
            await phone.say("my broadband keeps dropping out")
            assert await phone.answer() == ROUTER
            await phone.say("yes that sorted it")  # ...and the caller talks over them
            assert await phone.answer() == GOODBYE
            await phone.ended()  # the engine ended the call: the pipeline ends after the last words
            assert phone.line.log[-3:] == [("said", ROUTER), ("interrupted", None), ("said", GOODBYE)]

    asyncio.run(call())
    session = engine.session("telco_ivr", dialogue.session_id)
    assert session.ended and not session.handoff and session.turn == 8
