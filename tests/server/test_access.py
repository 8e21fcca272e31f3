"""Who may call: bearer-token auth on and off, TLS; and what generic tools see: health and reflection."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from typer.testing import CliRunner

from dialogue import wire
from dialogue.cli import app
from dialogue.client import Client, ServerError
from dialogue.engine import Engine
from dialogue.server.auth import tls_problem
from dialogue.v1 import dialogue_pb2 as pb


def health(target: str, service: str = "") -> int:
    with grpc.insecure_channel(target) as channel:
        return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service),
                                                         timeout=10).status


def test_with_a_token_every_call_needs_it_but_health_checks(serve, restaurant) -> None:
    running = serve([Engine(restaurant)], token="s3cret")
    for token in (None, "wrong", "s3cret "):
        with Client(running.target, token=token) as client:
            for call in (lambda c=client: c.turn("restaurant", "s1", "/greet"), client.domains):
                with pytest.raises(ServerError) as failure:
                    call()
                assert failure.value.code is grpc.StatusCode.UNAUTHENTICATED
                assert "authorization: Bearer <token>" in str(failure.value)

    def stream(token):
        """With the blocking client: the asyncio one may report INTERNAL when the server ends a stream the
        client is still writing to (grpc/grpc#36066)."""
        with Client(running.target, token=token) as client:
            request = pb.ConverseRequest(turn=wire.turn_request("restaurant", "call", "/greet"))
            return list(client.converse([request]))

    with pytest.raises(ServerError) as failure:
        stream(None)
    assert failure.value.code is grpc.StatusCode.UNAUTHENTICATED
    assert stream("s3cret")[-1].result.turn == 1
    with Client(running.target, token="s3cret") as client:
        assert client.turn("restaurant", "s1", "/greet").turn == 1  # the refused calls ran nothing
    assert health(running.target) == health_pb2.HealthCheckResponse.SERVING


def test_without_a_token_calls_need_none(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])
    with Client(running.target) as anonymous, Client(running.target, token="anything") as carrying:
        assert anonymous.turn("restaurant", "s1", "/greet").turn == 1
        assert carrying.turn("restaurant", "s1", "/greet").turn == 2


def test_health_and_reflection_serve_generic_tools(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])
    assert health(running.target) == health(running.target, "dialogue.v1.DialogueService") == \
        health_pb2.HealthCheckResponse.SERVING
    with grpc.insecure_channel(running.target) as channel:
        reflected = ProtoReflectionDescriptorDatabase(channel)
        assert {"dialogue.v1.DialogueService", "grpc.health.v1.Health"} <= set(reflected.get_services())
        from google.protobuf.descriptor_pool import DescriptorPool

        service = DescriptorPool(reflected).FindServiceByName("dialogue.v1.DialogueService")
        assert [m.name for m in service.methods] == ["SendTurn", "Converse", "Parse", "GetSession", "ResetSession",
                                                     "ListDomains"]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the TLS test makes its certificate with openssl, which is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_a_certificate_that_cannot_serve_is_named_before_anything_loads(certificate, tmp_path: Path) -> None:
    cert, key = certificate
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(other), "2048"], check=True, capture_output=True)
    assert tls_problem(cert, key) is None
    assert tls_problem(cert, other) == f"the private key in {other} is not the key of the certificate in {cert}"
    assert tls_problem(key, cert).startswith(f"cannot read {key} as a PEM certificate chain")
    refused = CliRunner().invoke(app, ["serve", "restaurant", "--tls-cert", str(cert), "--tls-key", str(other)])
    assert refused.exit_code == 2 and "is not the key of the certificate" in refused.output


def test_tls(serve, restaurant, certificate) -> None:
    cert, key = certificate
    running = serve([Engine(restaurant)], tls_cert=cert, tls_key=key, token="s3cret")
    target = f"localhost:{running.server.port}"
    with Client(target, ca=cert, token="s3cret") as client:
        assert client.turn("restaurant", "s1", "/greet").turn == 1
    with Client(target, token="s3cret", timeout=3) as plain, pytest.raises(ServerError) as failure:
        plain.turn("restaurant", "s1", "/greet")
    assert failure.value.code is grpc.StatusCode.UNAVAILABLE
