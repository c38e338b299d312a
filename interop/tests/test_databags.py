"""Relation data, both directions.

* Byte identity: for the same content, `tls-certificates databag encode` writes exactly the
  bytes the Python library's own models dump (`_DatabagModel.dump`, i.e.
  `json.dumps(model_dump(mode="json", exclude_defaults=True)[key])` per top-level key).
* Python reads ours: the real TLSCertificatesRequiresV4 / TLSCertificatesProvidesV4, run by
  ops.testing inside small charms, accept databags our CLI encoded from material our CLI made.
* We read Python's: `databag decode` of what the Python library dumped gives back the content.
"""

from __future__ import annotations

import copy
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import ops
import pytest
from charmlibs.interfaces import tls_certificates as tls
from charmlibs.interfaces.tls_certificates import _tls_certificates as lib
from conftest import Cli, read
from ops import testing

LIBID = "afd8c2bccf834997afce12c2706d2ede"
ENDPOINT = "certificates"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python-reference"
OWNED = {
    "requirer": ("certificate_signing_requests",),
    "provider": ("certificates", "request_errors", "capabilities"),
}


# -------------------------------------------------------------------------- CLI adapters


def encode(cli: Cli, side: str, content: dict[str, Any]) -> dict[str, str]:
    """`databag encode --side SIDE`: decoded content (JSON) -> the databag it writes.

    The CLI prints the databag an empty one becomes (key -> string); keys whose content is
    empty are absent, as the Python library deletes them.
    """
    proc = cli.run("databag", "encode", "--side", side, "-", stdin=json.dumps(content))
    out = json.loads(proc.stdout)
    assert isinstance(out, dict), out
    for k, v in out.items():
        assert isinstance(k, str) and isinstance(v, str), (k, v)
    return out


def decode(cli: Cli, side: str, databag: dict[str, str]) -> dict[str, Any]:
    """`databag decode --side SIDE --strict`: databag -> decoded content (asserting no issues)."""
    proc = cli.run("databag", "decode", "--side", side, "--strict", "-", stdin=json.dumps(databag))
    out = json.loads(proc.stdout)
    assert isinstance(out, dict) and out.get("side") == side, out
    assert out["issues"] == [], out["issues"]
    return out["content"]


def python_dump(side: str, content: dict[str, Any]) -> dict[str, str]:
    """What the Python library writes for `content` (its own model and dump())."""
    model = lib._RequirerData if side == "requirer" else lib._ProviderApplicationData
    return model.model_validate(content).dump({})


def without_none(value: Any, *, top: bool = True) -> Any:
    """Drop None-valued object members (absent and null mean the same on this interface), and
    top-level empty lists (an empty list and an absent key are the same databag)."""
    if isinstance(value, dict):
        return {
            k: without_none(v, top=False)
            for k, v in value.items()
            if v is not None and not (top and v == [])
        }
    if isinstance(value, list):
        return [without_none(v, top=False) for v in value]
    return value


# ------------------------------------------------------------------------------ material


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Any]:
    """Keys, CSRs and certificates made by our CLI (ring), as files and stripped PEM strings."""
    cli = Cli("ring", tmp_path_factory.mktemp("pki"))
    ca_key = cli.key("rsa2048")
    ca = cli.ca(ca_key, "Databag Root CA")
    out: dict[str, Any] = {"ca_key": ca_key, "ca": read(ca).strip(), "ca_path": ca}
    requests = {
        "leaf": ({"common_name": "requirer-0.example.com", "sans_dns": {"requirer-0.example.com"}}, False),
        "second": ({"common_name": "second.example.com", "sans_ip": {"10.1.2.3"}}, False),
        "inter": ({"common_name": "Requirer Intermediate", "is_ca": True}, True),
        "ecleaf": ({"common_name": "ec-requirer.example.com", "sans_ip": {"10.3.2.1"}}, False),
    }
    for name, (attrs, is_ca) in requests.items():
        key = cli.key("p256" if name.startswith("ec") else "rsa2048")
        csr = cli.csr(key, attrs)
        cert = cli.sign(csr, ca, ca_key, ca=is_ca)
        out[name] = {
            "attrs": attrs,
            "is_ca": is_ca,
            "key_path": key,
            "key": read(key).strip(),
            "csr": read(csr).strip(),
            "csr_sha256": cli.inspect(csr)["lib_sha256_hex"],
            "cert": read(cert).strip(),
        }
    return out


def requirer_content(pki, *names: str, ca_values: dict[str, Any] | None = None) -> dict[str, Any]:
    ca_values = ca_values or {}
    return {
        "certificate_signing_requests": [
            {"certificate_signing_request": pki[n]["csr"], "ca": ca_values.get(n, pki[n]["is_ca"])}
            for n in names
        ]
    }


def certificate_entry(pki, name: str, **extra) -> dict[str, Any]:
    entry = {
        "ca": pki["ca"],
        "certificate_signing_request": pki[name]["csr"],
        "certificate": pki[name]["cert"],
        "chain": [pki[name]["cert"], pki["ca"]],
    }
    entry.update(extra)
    return entry


ERROR_FULL = {
    "code": 102,
    "name": "DOMAIN_NOT_ALLOWED",
    "message": "Domain \"evil.example.com\" is not allowed: café \u00e9 \u4e2d\u6587 \U0001f512",
    "reason": "policy\\path\nline two\ttab \u0007 bell",
    "provider": "self-signed-certificates",
    "endpoint": "certificates",
}
ERROR_MINIMAL = {"code": 999, "name": "OTHER", "message": "something else"}
ERROR_UNKNOWN_CODE = {"code": 4242, "name": "FUTURE_ERROR", "message": "from a newer provider"}


def content_cases(pki) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "requirer-one": ("requirer", requirer_content(pki, "leaf")),
        "requirer-many-with-ca": ("requirer", requirer_content(pki, "leaf", "second", "inter")),
        "requirer-ca-null": ("requirer", requirer_content(pki, "leaf", ca_values={"leaf": None})),
        "requirer-empty": ("requirer", {"certificate_signing_requests": []}),
        "provider-one": ("provider", {"certificates": [certificate_entry(pki, "leaf")]}),
        "provider-many": (
            "provider",
            {"certificates": [certificate_entry(pki, n) for n in ("leaf", "second", "inter")]},
        ),
        "provider-revoked": (
            "provider",
            {"certificates": [certificate_entry(pki, "leaf", revoked=True),
                              certificate_entry(pki, "second", revoked=False)]},  # fmt: skip
        ),
        "provider-no-chain": ("provider", {"certificates": [certificate_entry(pki, "leaf", chain=None)]}),
        "provider-errors": (
            "provider",
            {
                "certificates": [certificate_entry(pki, "leaf")],
                "request_errors": [
                    {"csr": pki["second"]["csr"], "error": ERROR_FULL},
                    {"csr": pki["inter"]["csr"], "error": ERROR_MINIMAL},
                ],
            },
        ),
        "provider-error-unknown-code": (
            "provider",
            {"request_errors": [{"csr": pki["leaf"]["csr"], "error": ERROR_UNKNOWN_CODE}]},
        ),
        "provider-capabilities-full": (
            "provider",
            {
                "certificates": [certificate_entry(pki, "leaf")],
                "capabilities": {
                    "supports_ip_sans": True,
                    "supports_wildcard_dns": False,
                    "supports_subdomain": True,
                    "supports_ca_certificates": True,
                    "allowed_domains": ["example.com", "ex\u00e4mple.org"],
                    "provider_type": "self-signed",
                },
            },
        ),
        "provider-capabilities-partial": (
            "provider",
            {"capabilities": {"supports_ip_sans": False, "allowed_domains": []}},
        ),
        "provider-capabilities-empty-object": ("provider", {"capabilities": {}}),
        "provider-empty": ("provider", {"certificates": [], "request_errors": []}),
    }


CASES = [
    "requirer-one", "requirer-many-with-ca", "requirer-ca-null", "requirer-empty",
    "provider-one", "provider-many", "provider-revoked", "provider-no-chain", "provider-errors",
    "provider-error-unknown-code", "provider-capabilities-full", "provider-capabilities-partial",
    "provider-capabilities-empty-object", "provider-empty",
]  # fmt: skip


# -------------------------------------------------------------------------- byte identity


@pytest.mark.parametrize("case", CASES)
def test_given_same_content_when_we_encode_then_bytes_equal_the_python_library_dump(
    cli: Cli, pki, case
):
    side, content = content_cases(pki)[case]
    want = python_dump(side, copy.deepcopy(content))
    ours = encode(cli, side, content)
    assert set(ours) <= set(OWNED[side]), "encoder wrote keys this side does not own"
    assert ours == want


def test_given_pems_with_trailing_newlines_when_we_encode_then_they_are_written_stripped(
    cli: Cli, pki
):
    content = {"certificates": [certificate_entry(pki, "leaf")]}
    with_newlines = json.loads(json.dumps(content).replace("-----\"", "-----\\n\""))
    assert with_newlines != content
    assert encode(cli, "provider", with_newlines) == python_dump("provider", content)


@pytest.mark.parametrize("case", CASES)
def test_given_python_dumped_databag_when_we_decode_then_content_round_trips(cli: Cli, pki, case):
    side, content = content_cases(pki)[case]
    dumped = python_dump(side, copy.deepcopy(content))
    decoded = decode(cli, side, dumped)
    # Compare with what the Python library itself reads back from its dump.
    model = lib._RequirerData if side == "requirer" else lib._ProviderApplicationData
    python_view = model.load(dumped).model_dump(mode="json", exclude_defaults=True)
    assert without_none(decoded) == without_none(python_view)
    # And re-encoding what we decoded writes the same bytes again.
    assert encode(cli, side, decoded) == dumped


GOLDEN_DATABAGS = {
    "requirer_unit_databag.json": "requirer",
    "requirer_app_databag.json": "requirer",
    "provider_databag.json": "provider",
    "provider_databag_app.json": "provider",
    "provider_databag_capabilities.json": "provider",
    "provider_databag_capabilities_only.json": "provider",
    "provider_databag_error.json": "provider",
    "provider_databag_revoked.json": "provider",
}


@pytest.mark.parametrize("name", sorted(GOLDEN_DATABAGS))
def test_given_golden_python_databag_when_decoded_and_reencoded_then_bytes_are_identical(
    cli: Cli, name
):
    side = GOLDEN_DATABAGS[name]
    databag = json.loads((FIXTURES / name).read_text())
    decoded = decode(cli, side, databag)
    assert encode(cli, side, decoded) == python_dump(side, decoded) == databag


# ------------------------------------------------------- the Python library reads our data


REQUIRER_META = {"name": "requirer", "requires": {ENDPOINT: {"interface": "tls-certificates"}}}
PROVIDER_META = {"name": "provider", "provides": {ENDPOINT: {"interface": "tls-certificates"}}}


def requirer_charm(requests: list[tls.CertificateRequestAttributes], mode: tls.Mode):
    class Requirer(ops.CharmBase):
        def __init__(self, framework: ops.Framework):
            super().__init__(framework)
            self.certificates = tls.TLSCertificatesRequiresV4(
                self, ENDPOINT, certificate_requests=requests, mode=mode
            )
            framework.observe(self.certificates.on.certificate_available, self._noop)
            framework.observe(self.certificates.on.certificate_denied, self._noop)

        def _noop(self, event: ops.EventBase) -> None:
            pass

    return Requirer


class Provider(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificates = tls.TLSCertificatesProvidesV4(self, ENDPOINT)


def attributes(pki, name: str) -> tls.CertificateRequestAttributes:
    attrs = dict(pki[name]["attrs"])
    attrs.pop("is_ca", None)
    return tls.CertificateRequestAttributes(**attrs, is_ca=pki[name]["is_ca"])


def requirer_state(pki, cli: Cli, name: str, mode: tls.Mode, provider_content: dict[str, Any]):
    """The requirer's state: our key in its secret, our CSR in its databag, our provider data."""
    own_databag = encode(cli, "requirer", requirer_content(pki, name))
    remote = encode(cli, "provider", provider_content)
    if mode == tls.Mode.UNIT:
        label, owner = f"{LIBID}-private-key-0-{ENDPOINT}", "unit"
        relation = testing.Relation(ENDPOINT, remote_app_name="provider",
                                    local_unit_data=own_databag, remote_app_data=remote)  # fmt: skip
    else:
        label, owner = f"{LIBID}-private-key-app-{ENDPOINT}", "app"
        relation = testing.Relation(ENDPOINT, remote_app_name="provider",
                                    local_app_data=own_databag, remote_app_data=remote)  # fmt: skip
    secret = testing.Secret({"private-key": pki[name]["key"]}, label=label, owner=owner)
    state = testing.State(relations={relation}, secrets={secret}, leader=mode == tls.Mode.APP)
    return relation, state, own_databag


@pytest.mark.parametrize("mode", [tls.Mode.UNIT, tls.Mode.APP], ids=["unit", "app"])
@pytest.mark.parametrize("name", ["leaf", "inter", "ecleaf"])
def test_given_our_provider_databag_when_python_requirer_reads_it_then_certificate_available(
    cli: Cli, pki, mode, name
):
    provider_content = {"certificates": [certificate_entry(pki, name)]}
    relation, state, own_databag = requirer_state(pki, cli, name, mode, provider_content)
    ctx = testing.Context(requirer_charm([attributes(pki, name)], mode), meta=REQUIRER_META)
    out = ctx.run(ctx.on.relation_changed(relation), state)

    available = [e for e in ctx.emitted_events if isinstance(e, tls.CertificateAvailableEvent)]
    assert len(available) == 1, ctx.emitted_events
    event = available[0]
    assert str(event.certificate) == pki[name]["cert"]
    assert str(event.certificate_signing_request) == pki[name]["csr"]
    assert str(event.ca) == pki["ca"]
    assert [str(c) for c in event.chain] == [pki[name]["cert"], pki["ca"]]
    # The library kept our CSR (attributes and key matched: nothing regenerated) ...
    rel_out = out.get_relation(relation.id)
    own_out = rel_out.local_unit_data if mode == tls.Mode.UNIT else rel_out.local_app_data
    assert own_out == own_databag
    # ... and stored the certificate under the label derived from our CSR's sha256.
    unit_part = "0-" if mode == tls.Mode.UNIT else ""
    label = f"{LIBID}-certificate-{unit_part}{ENDPOINT}-{pki[name]['csr_sha256']}"
    secret = out.get_secret(label=label)
    assert secret.tracked_content["certificate"] == pki[name]["cert"]
    assert secret.tracked_content["csr"] == pki[name]["csr"]


def test_given_our_revoked_entry_when_python_requirer_reads_it_then_no_certificate_is_stored(
    cli: Cli, pki
):
    provider_content = {"certificates": [certificate_entry(pki, "leaf", revoked=True)]}
    relation, state, _ = requirer_state(pki, cli, "leaf", tls.Mode.UNIT, provider_content)
    ctx = testing.Context(requirer_charm([attributes(pki, "leaf")], tls.Mode.UNIT), meta=REQUIRER_META)
    out = ctx.run(ctx.on.relation_changed(relation), state)
    assert not [e for e in ctx.emitted_events if isinstance(e, tls.CertificateAvailableEvent)]
    assert not [s for s in out.secrets if s.label and s.label.startswith(f"{LIBID}-certificate")]


def test_given_our_request_error_when_python_requirer_reads_it_then_certificate_denied(
    cli: Cli, pki
):
    provider_content = {"request_errors": [{"csr": pki["leaf"]["csr"], "error": ERROR_FULL}]}
    relation, state, _ = requirer_state(pki, cli, "leaf", tls.Mode.UNIT, provider_content)
    ctx = testing.Context(requirer_charm([attributes(pki, "leaf")], tls.Mode.UNIT), meta=REQUIRER_META)
    ctx.run(ctx.on.relation_changed(relation), state)
    denied = [e for e in ctx.emitted_events if isinstance(e, tls.CertificateDeniedEvent)]
    assert len(denied) == 1, ctx.emitted_events
    assert str(denied[0].certificate_signing_request) == pki["leaf"]["csr"]
    assert denied[0].error.model_dump() == ERROR_FULL


def test_given_our_capabilities_when_python_requirer_reads_them_then_they_match(cli: Cli, pki):
    capabilities = {"supports_ip_sans": False, "supports_wildcard_dns": True,
                    "allowed_domains": ["example.com"], "provider_type": "interop"}  # fmt: skip
    relation, state, _ = requirer_state(pki, cli, "leaf", tls.Mode.UNIT, {"capabilities": capabilities})
    ctx = testing.Context(requirer_charm([attributes(pki, "leaf")], tls.Mode.UNIT), meta=REQUIRER_META)
    with ctx(ctx.on.update_status(), state) as mgr:
        got = mgr.charm.certificates.get_provider_capabilities()
        mgr.run()
    assert got is not None
    assert got.model_dump(exclude_none=True) == capabilities


@pytest.mark.parametrize("where", ["unit", "app"])
def test_given_our_requirer_databag_when_python_provider_reads_it_then_requests_are_outstanding(
    cli: Cli, pki, where
):
    names = ("leaf", "second", "inter")
    requirer_databag = encode(cli, "requirer", requirer_content(pki, *names))
    if where == "unit":
        relation = testing.Relation(ENDPOINT, remote_app_name="requirer",
                                    remote_units_data={0: requirer_databag})  # fmt: skip
    else:
        relation = testing.Relation(ENDPOINT, remote_app_name="requirer",
                                    remote_app_data=requirer_databag)  # fmt: skip
    ctx = testing.Context(Provider, meta=PROVIDER_META)
    state = testing.State(relations={relation}, leader=True)
    with ctx(ctx.on.update_status(), state) as mgr:
        requests = mgr.charm.certificates.get_certificate_requests()
        outstanding = mgr.charm.certificates.get_outstanding_certificate_requests()
        mgr.run()
    want = {(pki[n]["csr"], pki[n]["is_ca"]) for n in names}
    assert {(str(r.certificate_signing_request), r.is_ca) for r in requests} == want
    assert {(str(r.certificate_signing_request), r.is_ca) for r in outstanding} == want
    assert all(r.relation_id == relation.id for r in outstanding)


def test_given_our_provider_databag_when_python_provider_reads_it_back_then_issued_and_errors_are_seen(
    cli: Cli, pki
):
    """A Python provider taking over our provider databag (e.g. after an upgrade) understands it:
    issued certificates are not outstanding, errors are listed."""
    requirer_databag = encode(cli, "requirer", requirer_content(pki, "leaf", "second", "inter"))
    provider_databag = encode(cli, "provider", {
        "certificates": [certificate_entry(pki, "leaf")],
        "request_errors": [{"csr": pki["second"]["csr"], "error": ERROR_MINIMAL}],
    })  # fmt: skip
    relation = testing.Relation(ENDPOINT, remote_app_name="requirer",
                                remote_units_data={0: requirer_databag},
                                local_app_data=provider_databag)  # fmt: skip
    ctx = testing.Context(Provider, meta=PROVIDER_META)
    with ctx(ctx.on.update_status(), testing.State(relations={relation}, leader=True)) as mgr:
        issued = mgr.charm.certificates.get_issued_certificates()
        outstanding = mgr.charm.certificates.get_outstanding_certificate_requests()
        errors = mgr.charm.certificates.get_provider_certificate_errors()
        mgr.run()
    assert [str(c.certificate) for c in issued] == [pki["leaf"]["cert"]]
    assert [str(c) for c in issued[0].chain] == [pki["leaf"]["cert"], pki["ca"]]
    assert {str(r.certificate_signing_request) for r in outstanding} == {
        pki["second"]["csr"], pki["inter"]["csr"]
    }
    assert [(str(e.certificate_signing_request), e.error.code) for e in errors] == [
        (pki["second"]["csr"], 999)
    ]


# ------------------------------------------------------- we read what Python charms write


def test_given_python_requirer_wrote_its_databag_when_we_decode_it_then_we_see_its_request(
    cli: Cli,
):
    attrs = tls.CertificateRequestAttributes(common_name="py-requirer.example.com", sans_dns={"py.example.com"})
    ctx = testing.Context(requirer_charm([attrs], tls.Mode.UNIT), meta=REQUIRER_META)
    relation = testing.Relation(ENDPOINT, remote_app_name="provider")
    out = ctx.run(ctx.on.relation_created(relation), testing.State(relations={relation}))
    databag = dict(out.get_relation(relation.id).local_unit_data)
    decoded = decode(cli, "requirer", databag)
    (entry,) = decoded["certificate_signing_requests"]
    assert entry["ca"] is False
    csr = tls.CertificateSigningRequest.from_string(entry["certificate_signing_request"])
    assert tls.CertificateRequestAttributes.from_csr(csr, False) == attrs
    path = cli.workdir / "py.csr"
    path.write_text(entry["certificate_signing_request"] + "\n")
    assert cli.inspect(path)["common_name"] == "py-requirer.example.com"
    assert encode(cli, "requirer", decoded) == databag


def test_given_python_provider_answered_our_csr_when_we_decode_its_databag_then_the_chain_verifies(
    cli: Cli, pki
):
    """The real Python provider issues a certificate for our CSR (read from our requirer
    databag) and publishes it; we decode its databag and check the result with our crypto."""
    requirer_databag = encode(cli, "requirer", requirer_content(pki, "leaf"))
    relation = testing.Relation(ENDPOINT, remote_app_name="requirer",
                                remote_units_data={0: requirer_databag})  # fmt: skip
    ca_key = tls.PrivateKey.generate()
    ca = tls.Certificate.generate_self_signed_ca(
        tls.CertificateRequestAttributes(common_name="Python Provider CA", is_ca=True),
        ca_key, timedelta(days=365),
    )  # fmt: skip
    ctx = testing.Context(Provider, meta=PROVIDER_META)
    with ctx(ctx.on.update_status(), testing.State(relations={relation}, leader=True)) as mgr:
        (request,) = mgr.charm.certificates.get_outstanding_certificate_requests()
        cert = request.certificate_signing_request.sign(ca, ca_key, timedelta(days=30))
        mgr.charm.certificates.set_relation_certificate(tls.ProviderCertificate(
            relation_id=request.relation_id, certificate=cert,
            certificate_signing_request=request.certificate_signing_request,
            ca=ca, chain=[cert, ca],
        ))  # fmt: skip
        out = mgr.run()
    databag = dict(out.get_relation(relation.id).local_app_data)
    content = decode(cli, "provider", databag)
    (entry,) = content["certificates"]
    assert entry["certificate_signing_request"] == pki["leaf"]["csr"]
    assert entry["certificate"] == str(cert) and entry["chain"] == [str(cert), str(ca)]
    paths = []
    for i, pem in enumerate(entry["chain"]):
        paths.append(cli.workdir / f"chain-{i}.pem")
        paths[-1].write_text(pem + "\n")
    assert cli.verify_chain(*paths).returncode == 0
    leaf = cli.inspect(paths[0])
    assert leaf["public_key"]["spki_sha256"] == cli.inspect(pki["leaf"]["key_path"])["public_key"]["spki_sha256"]
    assert encode(cli, "provider", content) == databag


def test_given_golden_app_and_unit_requirer_databags_when_decoded_then_both_round_trip(cli: Cli):
    both = json.loads((FIXTURES / "requirer_app_and_unit_databags.json").read_text())
    assert set(both) == {"app", "unit"}
    for scope, databag in both.items():
        content = decode(cli, "requirer", databag)
        assert content["certificate_signing_requests"], scope
        assert encode(cli, "requirer", content) == databag, scope


# ------------------------------------------------ tolerance: as lax as the Python library


def decode_report(cli: Cli, side: str, databag: dict[str, str]) -> dict[str, Any]:
    """`databag decode` without --strict: the full report (content and issues)."""
    proc = cli.run("databag", "decode", "--side", side, "-", stdin=json.dumps(databag))
    return json.loads(proc.stdout)


def python_load(side: str, databag: dict[str, str]) -> dict[str, Any] | None:
    """What the Python library reads from `databag` (None: it rejects the whole databag)."""
    model = lib._RequirerData if side == "requirer" else lib._ProviderApplicationData
    try:
        return model.load(databag).model_dump(mode="json", exclude_defaults=True)
    except lib.DataValidationError:
        return None


def lax_cases(pki) -> dict[str, tuple[str, dict[str, str], str]]:
    """name -> (side, databag, expectation). Expectation: 'same' (Python and we read the same
    content, we report no issue), 'both-reject-entry' (Python rejects the whole databag, we
    report an issue and keep the other entries), 'we-accept' (a documented deliberate leniency)."""
    csr, csr2 = pki["leaf"]["csr"], pki["second"]["csr"]
    cert = certificate_entry(pki, "leaf")
    j = json.dumps
    cases: dict[str, tuple[str, dict[str, str], str]] = {}
    for word in ("true", "false", "True", "FALSE", "yes", "no", "on", "off", "1", "0", "t", "f", "y", "n"):
        cases[f"ca-string-{word}"] = ("requirer", {"certificate_signing_requests": j(
            [{"certificate_signing_request": csr, "ca": word}])}, "same")  # fmt: skip
    for number in (0, 1, 0.0, 1.0):
        cases[f"ca-number-{number}"] = ("requirer", {"certificate_signing_requests": j(
            [{"certificate_signing_request": csr, "ca": number}])}, "same")  # fmt: skip
    cases["ca-string-maybe"] = ("requirer", {"certificate_signing_requests": j(
        [{"certificate_signing_request": csr, "ca": "maybe"},
         {"certificate_signing_request": csr2, "ca": False}])}, "both-reject-entry")  # fmt: skip
    cases["unknown-keys"] = ("requirer", {
        "certificate_signing_requests": j([{"certificate_signing_request": csr, "ca": False, "x": 1}]),
        "egress-subnets": "10.0.0.0/24", "something-else": "not json"}, "same")  # fmt: skip
    cases["csr-not-a-string"] = ("requirer", {"certificate_signing_requests": j(
        [{"certificate_signing_request": 42, "ca": False},
         {"certificate_signing_request": csr2, "ca": False}])}, "both-reject-entry")  # fmt: skip
    cases["missing-ca"] = ("requirer", {"certificate_signing_requests": j(
        [{"certificate_signing_request": csr}])}, "we-accept")  # fmt: skip
    cases["v3-expiry-null"] = ("provider", {"certificates": j(
        [{**cert, "recommended_expiry_notification_time": None}])}, "same")  # fmt: skip
    cases["v3-expiry-int"] = ("provider", {"certificates": j(
        [{**cert, "recommended_expiry_notification_time": 168}])}, "same")  # fmt: skip
    cases["no-chain-key"] = ("provider", {"certificates": j(
        [{k: v for k, v in cert.items() if k != "chain"}])}, "same")  # fmt: skip
    cases["revoked-string"] = ("provider", {"certificates": j([{**cert, "revoked": "true"}])}, "same")
    cases["error-code-string"] = ("provider", {"request_errors": j(
        [{"csr": csr, "error": {"code": "102", "name": "DOMAIN_NOT_ALLOWED", "message": "m"}}])}, "same")  # fmt: skip
    cases["error-unknown-fields"] = ("provider", {"request_errors": j(
        [{"csr": csr, "extra": 1, "error": {"code": 201, "name": "SERVER_NOT_AVAILABLE",
                                             "message": "m", "future": [1]}}])}, "same")  # fmt: skip
    cases["error-keyed-certificate_signing_request"] = ("provider", {"request_errors": j(
        [{"certificate_signing_request": csr, "error": {"code": 999, "name": "OTHER", "message": "m"}}])},
        "we-accept")  # fmt: skip
    cases["certificate-missing-field"] = ("provider", {"certificates": j(
        [{k: v for k, v in cert.items() if k != "ca"}, certificate_entry(pki, "second")])},
        "both-reject-entry")  # fmt: skip
    cases["capabilities-lax"] = ("provider", {"capabilities": j(
        {"supports_ip_sans": "yes", "supports_wildcard_dns": 0, "provider_type": "x", "new": True})},
        "same")  # fmt: skip
    return cases


LAX_CASES = [
    *[f"ca-string-{w}" for w in ("true", "false", "True", "FALSE", "yes", "no", "on", "off",
                                  "1", "0", "t", "f", "y", "n")],
    *[f"ca-number-{n}" for n in (0, 1, 0.0, 1.0)],
    "ca-string-maybe", "unknown-keys", "csr-not-a-string", "missing-ca", "v3-expiry-null",
    "v3-expiry-int", "no-chain-key", "revoked-string", "error-code-string", "error-unknown-fields",
    "error-keyed-certificate_signing_request", "certificate-missing-field", "capabilities-lax",
]  # fmt: skip


@pytest.mark.parametrize("case", LAX_CASES)
def test_given_lax_or_odd_databag_when_we_decode_then_we_read_what_python_reads(cli: Cli, pki, case):
    side, databag, expectation = lax_cases(pki)[case]
    python = python_load(side, databag)
    report = decode_report(cli, side, databag)
    if expectation == "same":
        assert python is not None, "the Python library rejects this databag: fix the case"
        assert report["issues"] == []
        assert without_none(report["content"]) == without_none(python)
    elif expectation == "both-reject-entry":
        assert python is None, "the Python library accepts this databag: fix the case"
        assert len(report["issues"]) == 1, report["issues"]
        assert report["issues"][0]["index"] == 0
        # The well-formed second entry survives (Python loses the whole databag).
        (key,) = OWNED[side][:1]
        assert len(report["content"][key]) == 1
    else:  # we-accept: deliberate leniency, documented in the schema crate.
        assert python is None, "the Python library accepts this databag: fix the case"
        assert report["issues"] == []
