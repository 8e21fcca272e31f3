"""Stubs generated from proto/dialogue/v1/dialogue.proto (do not edit; docs/grpc.md has the command)."""
