"""Every RPC against a real server on an ephemeral port, through the Python clients."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from dialogue.bench.policy import scripted
from dialogue.bench.serving import free_text_lines
from dialogue.client import AsyncClient, Client
from dialogue.dm.sql import MemoryStore
from dialogue.engine import Engine
from dialogue.nlu.understander import Understander
from dialogue.testing import step_input
from dialogue.turns import UserInput


@pytest.fixture
def restaurant_nlu(restaurant, bundled_models):
    return Understander.for_domain(restaurant, bundled_models)


def test_send_turn_with_structured_input_and_free_text(serve, restaurant, restaurant_nlu) -> None:
    engine = Engine(restaurant, nlu=restaurant_nlu)
    running = serve([engine])
    with Client(running.target) as client:
        first = client.turn("restaurant", "s1", "/book_table", user_id="ana")
        assert (first.turn, first.state.active_task, first.state.requested_slot) == (1, "book_table", "cuisine")
        assert first.understood.intent == "book_table" and first.understood.source == "structured"
        assert first.messages[-1].response == "ask_cuisine" and first.messages[-1].suggestions
        assert {"nlu", "load", "policy", "nlg", "store", "total"} <= set(first.latency_ms)
        second = client.turn("restaurant", "s1", "italian food for 4 people please")
        assert second.understood.source == "nlu" and second.understood.intent in ("inform", "book_table")
        assert second.state.slots == {"cuisine": "italian", "party_size": 4}
        assert {span.slot for span in second.understood.spans} >= {"party_size"}
    kept = engine.store.load("restaurant", "s1")
    assert (kept.turn, kept.user_id, kept.slots["party_size"]) == (2, "ana", 4)


def test_turns_over_grpc_are_the_engines_turns(serve, telco) -> None:
    """The IVR domain's scripted calls (voice channel, DTMF, silence) give over gRPC what they give in process."""
    running = serve([Engine(telco)])
    local = Engine(telco, store=MemoryStore())
    with Client(running.target) as client:
        for number, test in enumerate(scripted(telco)):
            session = f"call-{number}"
            for step in test.steps:
                if step.new_session:
                    session += "+"
                    continue
                given = step_input(step)
                remote = client.turn("telco_ivr", session, given, user_id=test.user_id, channel=test.channel)
                expected = local.handle(session, given, user_id=test.user_id, channel=test.channel)
                assert remote.model_dump(exclude={"latency_ms"}) == expected.model_dump(exclude={"latency_ms"})


def test_parse_is_the_nlu_alone(serve, restaurant, restaurant_nlu) -> None:
    engine = Engine(restaurant, nlu=restaurant_nlu)
    running = serve([engine])
    with Client(running.target) as client:
        understood = client.parse("restaurant", "a table for 2 people please")
    assert understood.intent == "book_table" and understood.entities["party_size"] == 2
    assert understood.ranking[0].name == "book_table"
    span = next(span for span in understood.spans if span.slot == "party_size")
    assert understood.text[span.start:span.end] == span.text == "2"
    assert engine.store.sessions == {}  # nothing kept


def test_several_requests_in_one_message_come_back_over_grpc(serve, restaurant, restaurant_nlu) -> None:
    running = serve([Engine(restaurant, nlu=restaurant_nlu)])
    with Client(running.target) as client:
        understood = client.parse("restaurant", "yes please, and what time do you open?")
        turn = client.turn("restaurant", "s1", "a table for 4 please. And what time do you open?")
    assert (understood.intent, understood.text) == ("affirm", "yes please")
    assert [(thing.intent, thing.text) for thing in understood.also] == [("ask_opening_hours",
                                                                         "what time do you open?")]
    assert turn.understood is not None and turn.understood.intent == "book_table"
    assert [thing.intent for thing in turn.understood.also] == ["ask_opening_hours"]
    assert turn.responses == ["opening_hours", "ask_cuisine"] and turn.state.slots == {"party_size": 4}


BORDERLINE = 0.25
"""How close to the NLU threshold a text's confidence may be and still differ between a batch and alone: the int8
model quantizes activations with one scale per batch (ONNX Runtime's dynamic quantization), so the other texts
of a call move a text's scores a little (0.44 alone and 0.64 in a batch, for one of these)."""


def test_concurrent_free_text_is_understood_as_one_text_at_a_time(serve, restaurant, restaurant_nlu,
                                                                   monkeypatch) -> None:
    """The server parses the texts of concurrent turns together (in groups of similar length): each turn still
    gets what the model gives its text alone."""
    texts = sorted({line for lines in free_text_lines(restaurant) for line in lines})
    calls: list[int] = []
    job = restaurant_nlu.job

    def counted(texts: list[str], **options):
        calls.append(len(texts))
        return job(texts, **options)

    monkeypatch.setattr(restaurant_nlu, "job", counted)
    engine = Engine(restaurant, nlu=restaurant_nlu)
    running = serve([engine])

    async def concurrently() -> list:
        async with AsyncClient(running.target) as client:
            return await asyncio.gather(*(client.turn("restaurant", f"s{number}", text)
                                          for number, text in enumerate(texts * 3)))

    found = asyncio.run(concurrently())
    assert sum(calls) == len(texts) * 3 and max(calls) > 1
    alone = {text: restaurant_nlu.parse(text, now=dt.datetime.now()) for text in texts}
    # the engine may read a parse in its state ("for 3 on Friday", values two tasks take, as the one ranked)
    turn_alone = {text: engine.handle(f"alone{number}", text).understood for number, text in enumerate(texts)}
    threshold = restaurant.settings.nlu.threshold
    clear = [text for text in texts if abs(alone[text].confidence - threshold) > BORDERLINE]
    assert len(clear) >= 0.8 * len(texts)
    read_otherwise = []
    for text, result in zip(texts * 3, found):
        if result.understood.text != alone[text].text:  # the first clause of several requests
            read_otherwise.append(text)
        elif text in clear:
            assert result.understood.intent == turn_alone[text].intent
            if result.understood.entities.keys() != turn_alone[text].entities.keys():
                read_otherwise.append(text)
    # int8 dynamic quantization scales activations over the whole batch, so a word whose tag is a close call may be
    # tagged otherwise in a batch than alone (seen in fresh CI runs: a booking reference; "sorry, what was the
    # reference again?" cut after "sorry"), and a message cut into clauses otherwise; rarely, never mostly
    assert len(read_otherwise) <= 0.05 * len(clear) * 3, read_otherwise


def test_get_and_reset_a_session(serve, restaurant) -> None:
    engine = Engine(restaurant)
    running = serve([engine])
    engine.store.remember("restaurant", "ana", {"favourite_cuisine": "sichuan"})
    with Client(running.target) as client:
        client.turn("restaurant", "s1", '/book_table{"party_size": 4}', user_id="ana")
        session = client.session("restaurant", "s1")
        assert (session.domain, session.session_id, session.user_id, session.turn) == ("restaurant", "s1", "ana", 1)
        assert session.state.active_task == "book_table" and list(session.state.stack) == ["book_table"]
        assert session.state.slots["party_size"] == 4 and session.variables["favourite_cuisine"] == "sichuan"
        reset = client.reset("restaurant", "s1")
        assert reset.turn == 2 and not reset.state.active_task and not reset.state.stack
        assert "party_size" not in reset.state.slots and reset.variables["favourite_cuisine"] == "sichuan"
        assert client.session("restaurant", "s1") == reset
        again = client.turn("restaurant", "s1", "/greet", user_id="ana")
    assert again.turn == 3 and not again.ended
    events = [event.type for event in engine.store.events[("restaurant", "s1")]]
    assert events.count("turn_started") == 3 and "conversation_restarted" in events


def test_list_domains(serve, restaurant, telco, restaurant_nlu) -> None:
    running = serve([Engine(restaurant, nlu=restaurant_nlu), Engine(telco)])
    with Client(running.target) as client:
        domains = {info.name: info for info in client.domains()}
    assert set(domains) == {"restaurant", "telco_ivr"}
    assert domains["restaurant"].free_text and not domains["telco_ivr"].free_text
    assert "book_table" in domains["restaurant"].intents and "book_table" in domains["restaurant"].tasks
    assert domains["restaurant"].description.startswith("Book, change and cancel")


def test_the_asyncio_client(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])

    async def talk():
        async with AsyncClient(running.target) as client:
            await client.wait_ready(5)
            results = await asyncio.gather(*(client.turn("restaurant", f"s{n}", "/book_table") for n in range(8)))
            session = await client.session("restaurant", "s3")
            return results, session, await client.domains()

    results, session, domains = asyncio.run(talk())
    assert {result.session_id for result in results} == {f"s{n}" for n in range(8)}
    assert session.turn == 1 and [info.name for info in domains] == ["restaurant"]


def test_a_retried_turn_id_gets_the_stored_answer(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])
    with Client(running.target) as client:
        given = UserInput.parse('/book_table{"party_size": 2}', turn_id="t-1")
        first = client.turn("restaurant", "s1", given)
        retry = client.turn("restaurant", "s1", given)
    assert not first.replayed and retry.replayed and retry.turn == first.turn == 1


def test_a_question_is_answered_from_the_knowledge_with_its_sources(serve, restaurant, restaurant_nlu,
                                                                   bundled_models) -> None:
    from dialogue.nlu.knowledge.index import domain_index

    engine = Engine(restaurant, nlu=restaurant_nlu, knowledge=domain_index(restaurant, bundled_models))
    running = serve([engine])
    local = Engine(restaurant, nlu=restaurant_nlu, knowledge=engine.knowledge)
    with Client(running.target) as client:
        answered = client.turn("restaurant", "s1", "is there somewhere to park my car")
        unanswered = client.turn("restaurant", "s2", "what is the capital of peru")
    assert answered.responses == ["faq.parking"] and answered.text.startswith("Every Lotus restaurant has free parking")
    assert [(s.kind, s.id) for s in answered.sources] == [("faq", "parking")] and answered.sources[0].score > 0.46
    assert answered.understood is not None and answered.understood.knowledge[0].id == "parking"
    expected = local.handle("s1", "is there somewhere to park my car")
    assert answered.model_dump(exclude={"latency_ms"}) == expected.model_dump(exclude={"latency_ms"})
    assert unanswered.responses == ["out_of_scope"] and unanswered.sources == []

