from __future__ import annotations

from dialogue.nlg.redact import Redaction, luhn_valid, mask


def test_luhn_check_tells_card_numbers_from_other_digit_runs() -> None:
    assert luhn_valid("4111 1111 1111 1111") and luhn_valid("5500-0000-0000-0004")
    assert not luhn_valid("4111 1111 1111 1112") and not luhn_valid("12345")


def test_personal_data_becomes_placeholders_and_comes_back() -> None:
    redaction = Redaction(["Ada Lovelace"])
    text = ("I'm Ada Lovelace, ada@example.org, +44 20 7946 0958 or (555) 123-4567; card 4111-1111-1111-1111, "
            "not 4111 1111 1111 1112; 4 people on 2026-12-01 at 19:00")
    redacted = redaction.redact(text)
    assert redacted == ("I'm [PII_1], [EMAIL_1], [PHONE_1] or [PHONE_2]; card [CARD_1], not 4111 1111 1111 1112; "
                        "4 people on 2026-12-01 at 19:00")
    assert redaction.restore(redacted) == text
    assert redaction.redact("again ada@example.org") == "again [EMAIL_1]"  # same value, same placeholder


def test_mask_hides_pii_values_anywhere_in_an_event() -> None:
    event = {"type": "user_understood", "interpretation": {"text": "my name is Ada Lovelace",
                                                          "entities": {"name": "Ada Lovelace", "size": 4}}}
    assert mask(event, ["Ada Lovelace"]) == {"type": "user_understood", "interpretation": {
        "text": "my name is [redacted]", "entities": {"name": "[redacted]", "size": 4}}}
    assert mask(event, []) is event
