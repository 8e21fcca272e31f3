"""`dialogue validate` checks calls against their service's OpenAPI document, with file:line:column errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domains import check_domain
from dialogue.domains.errors import DomainError
from tests.dm.services.bank import BANK, bank

OPENAPI = """\
openapi: 3.1.0
info: {title: core banking, version: "1"}
paths:
  /accounts/{user}/balance:
    get:
      parameters:
        - {name: user, in: path, required: true, schema: {type: string}}
        - {name: currency, in: query, schema: {type: string}}
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Balance"}
  /transfers:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount, to]
              properties: {amount: {type: integer}, to: {type: string}, memo: {type: array}}
      responses:
        "201":
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
components:
  schemas:
    Balance:
      type: object
      properties: {balance: {type: number}, currency: {type: string}}
"""


def with_openapi(tmp_path: Path, domain: str = BANK, document: str = OPENAPI) -> Path:
    (tmp_path / "core.openapi.yaml").write_text(document, encoding="utf-8")
    text = domain.replace("    retries: 1\n", "    retries: 1\n    openapi: core.openapi.yaml\n")
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [f"{p.line}:{p.column}: {p.message}" for p in check_domain(path) if p.severity == "error"]


def test_calls_that_match_the_document_pass(tmp_path: Path) -> None:
    assert messages(with_openapi(tmp_path)) == []


def test_each_kind_of_mismatch_is_an_error_where_the_call_says_it(tmp_path: Path) -> None:
    broken = (BANK.replace("/accounts/{{ session.user_id }}/balance", "/accounts/{{ session.user_id }}/balanse")
              .replace("query: {currency: EUR}", "query: {currency: EUR}\n          method: PUT")
              .replace("path: /transfers\n          body: {amount:", "path: /transfers\n          body: {amont:")
              .replace("result: transfer", "result: transfer\n          into: {payee: ref}"))
    found = messages(with_openapi(tmp_path, broken))
    document = tmp_path / "core.openapi.yaml"
    assert found == [
        f"34:17: no path of {document} matches /accounts/{{{{ session.user_id }}}}/balanse",
        "54:17: the body of POST /transfers needs the field 'amount'",
        "54:25: the body of POST /transfers has no field 'amont'",
        "56:25: the answer of /transfers has no `ref` (in `ref`)",
    ], found


def test_a_method_the_path_does_not_declare(tmp_path: Path) -> None:
    found = messages(with_openapi(tmp_path, BANK.replace("method: POST", "method: PATCH")))
    assert found == [f"51:19: {tmp_path / 'core.openapi.yaml'} declares no PATCH for /transfers"]


def test_query_parameters_and_answer_paths(tmp_path: Path) -> None:
    broken = BANK.replace("query: {currency: EUR}", "query: {curency: EUR}").replace(
        "into: {balance: balance,", "into: {balance: amount,")
    found = messages(with_openapi(tmp_path, broken))
    assert "35:28: GET /accounts/{user}/balance takes no query parameter 'curency'" in found
    assert "40:27: the answer of /accounts/{user}/balance has no `amount` (in `amount`)" in found


def test_a_document_that_is_not_openapi_or_not_there(tmp_path: Path) -> None:
    assert any("is not an OpenAPI 3 document" in m for m in messages(with_openapi(tmp_path, document="a: 1\n")))
    path = with_openapi(tmp_path)
    (tmp_path / "core.openapi.yaml").unlink()
    with pytest.raises(DomainError, match=r"bank.yaml:24:14: error: no OpenAPI document at .*core.openapi.yaml"):
        bank(tmp_path, path.read_text(encoding="utf-8"))
