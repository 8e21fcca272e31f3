"""The gRPC server: `dialogue.v1.DialogueService` on grpc.aio, for IVR and chat frontends (docs/grpc.md)."""
