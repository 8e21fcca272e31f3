"""Built-in intents and responses that every domain has, and may extend or override."""

from __future__ import annotations

NLU_FALLBACK = "nlu_fallback"
"""The intent given to input that nothing understood with enough confidence."""
ENTITY_ONLY_INTENT = "inform"
"""The intent of a turn that only gives slot values (a keyed answer to a slot, say)."""
ASK_INTENT = "ask"
"""The intent of a question for the domain's knowledge; a domain with an FAQ has it, its questions the examples."""

BUILTIN_INTENTS: dict[str, list[str]] = {
    "greet": [
        "hi", "hello", "hey", "hey there", "hello there", "hi there", "good morning", "good afternoon",
        "good evening", "hiya", "greetings", "morning", "hello, is anyone there?", "hi, I need some help",
        "hey, how are you", "yo", "howdy",
    ],
    "goodbye": [
        "bye", "goodbye", "bye bye", "see you", "see you later", "that's all, thanks", "thanks, bye",
        "have a nice day", "talk to you later", "I'm done", "nothing else, goodbye", "cheers, bye",
        "good night", "that will be all", "ok bye", "farewell",
    ],
    "affirm": [
        "yes", "yeah", "yep", "sure", "correct", "that's right", "right", "ok", "okay", "absolutely",
        "yes please", "sounds good", "of course", "definitely", "exactly", "confirm", "yes, that's correct",
        "go ahead", "perfect", "that works", "yup", "do it", "please do", "sounds great", "works for me",
        "all good", "that's fine", "fine", "great, book it", "lovely", "yes, that's the one", "spot on", "agreed",
        "you got it", "alright", "that would be great", "certainly", "uh huh", "happy with that", "looks good",
        "yes, go for it", "that's it exactly",
    ],
    "deny": [
        "no", "nope", "no thanks", "not really", "that's wrong", "incorrect", "no, that's not right",
        "negative", "not at all", "no way", "don't", "wrong", "that's not what I said", "no it isn't",
        "not quite", "nah", "no, that's not it", "not that one", "I don't think so", "that's not right",
        "nope, not that", "I'd rather not", "not for me", "doesn't work for me", "that won't work",
        "definitely not", "hmm, no", "no, that's a mistake",
    ],
    "cancel": [
        "cancel", "stop", "never mind", "forget it", "forget about it", "cancel that", "abort",
        "I changed my mind", "stop this", "don't bother", "let's stop", "quit", "drop it",
        "I don't want to do that anymore", "scrap that", "nevermind",
    ],
    "help": [
        "help", "help me", "what can you do", "what can I say", "I need help", "how does this work",
        "what are my options", "what can you help me with", "I'm confused", "options", "menu",
        "what do you do", "can you help me", "I don't know what to say", "instructions", "what now",
    ],
    "human_agent": [
        "agent", "talk to an agent", "speak to a human", "I want a real person", "operator",
        "representative", "get me a human", "connect me to someone", "customer service",
        "can I talk to a person", "transfer me to an agent", "human please", "let me speak to your manager",
        "I need to talk to somebody", "live agent", "real person please",
    ],
    "out_of_scope": [
        "what's the weather like", "tell me a joke", "who won the game last night", "what is the meaning of life",
        "can you sing", "how old are you", "what's the capital of France", "do you like pizza",
        "play some music", "what's your favourite colour", "write me a poem", "how tall is mount everest",
        "are you a robot", "what's 2 plus 2", "recommend a movie", "where do babies come from",
        "what's the score in the match", "any news today", "what is the square root of 81",
        "who is the president", "is it going to snow", "what time is it in Tokyo", "tell me about black holes",
        "which team won the league", "how do you make pancakes", "what's on TV tonight",
        "what's the stock price of apple", "can you do my homework",
    ],
}

BUILTIN_RESPONSES: dict[str, str] = {
    "greet": "Hello! How can I help you today?",
    "goodbye": "Goodbye, and thanks for getting in touch.",
    "help": "I can help you {{ capabilities | join(', ') }}.",
    "cancelled": "Okay, I've cancelled that.",
    "nothing_to_cancel": "There's nothing to cancel right now.",
    "handoff": "Let me connect you with a person who can help.",
    "out_of_scope": "Sorry, I can't help with that.",
    "fallback": "Sorry, I didn't understand that.",
    "no_input": "Sorry, I didn't catch anything.",
    "invalid_value": "Sorry, that isn't a valid answer.",
    "ambiguous_value": "Which do you mean: {{ choices[:-1] | map('replace', '_', ' ') | join(', ') }} or "
                       "{{ choices[-1] | replace('_', ' ') }}?",
    "exhausted": "Sorry, I'm having trouble with this. Let me get someone to help you.",
    "resume": "Let's get back to where we were.",
    "confirm_denied": "What would you like to change?",
    "corrected": "Got it, I've updated that.",
    "clarify": "Sorry, did you want to {{ options | join(' or ') }}?",
    "proposal_declined": "Okay. Is there anything else I can help with?",
    "anything_else": "What else can I help you with?",
    "no_options": "Sorry, I found nothing that fits.",
    "no_more_options": "Sorry, that's all I have.",
    "which_option": "Which one would you like: {{ choices[:-1] | join(', ') }} or {{ choices[-1] }}?",
    "no_answer": "Sorry, I don't have an answer to that.",
    "action_failed": "Sorry, something went wrong on my side and I couldn't finish that. Please try again.",
}
"""Default texts; a domain overrides one by declaring a response of the same name."""
ANYTHING_MORE = frozenset({"proposal_declined", "anything_else"})
"""Built-in responses that ask whether the user wants anything more: moot when the same message takes its leave ("No,
that's all" after "Shall I book it?")."""
