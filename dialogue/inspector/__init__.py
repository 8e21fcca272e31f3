"""`dialogue inspect`: a local web page to chat with a domain and see, turn by turn, what the engine understood
and why it did what it did (docs/inspector.md)."""
