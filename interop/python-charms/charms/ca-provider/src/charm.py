#!/usr/bin/env python3
"""A provider that keeps its CA in an application secret, as Canonical's operators do."""

import logging
import warnings
from datetime import timedelta

import ops
from charmlibs.interfaces.tls_certificates import (
    Certificate,
    PrivateKey,
    ProviderCertificate,
    TLSCertificatesProvidesV4,
    generate_ca,
    generate_certificate,
    generate_private_key,
)

logger = logging.getLogger(__name__)
warnings.simplefilter("ignore", DeprecationWarning)

CA_LABEL = "ca-certificate"


class CaProvider(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificates = TLSCertificatesProvidesV4(self, "certificates")
        for event in (
            self.on.config_changed,
            self.on.update_status,
            self.on.certificates_relation_joined,
            self.on.certificates_relation_changed,
        ):
            framework.observe(event, self._issue)
        framework.observe(self.on.secret_remove, self._on_secret_remove)

    def _on_secret_remove(self, event: ops.SecretRemoveEvent):
        if event.secret.label == CA_LABEL:
            event.remove_revision()

    def _ca(self) -> tuple[PrivateKey, Certificate]:
        common_name = str(self.config["ca-common-name"])
        try:
            secret = self.model.get_secret(label=CA_LABEL)
            content = secret.get_content(refresh=True)
        except ops.SecretNotFoundError:
            secret, content = None, None
        if content is not None:
            ca = Certificate.from_string(content["ca-certificate"])
            if ca.common_name == common_name:
                return PrivateKey.from_string(content["private-key"]), ca
        key = generate_private_key()
        ca = generate_ca(private_key=key, validity=timedelta(days=365), common_name=common_name)
        new = {"private-key": str(key), "ca-certificate": str(ca)}
        if secret is None:
            self.app.add_secret(new, label=CA_LABEL)
        else:
            secret.set_content(new)
            self.certificates.revoke_all_certificates()
            logger.info("new CA %s: every certificate revoked", common_name)
        return key, ca

    def _issue(self, _event: ops.EventBase):
        if not self.unit.is_leader():
            self.unit.status = ops.ActiveStatus("standby")
            return
        key, ca = self._ca()
        ca_first = self.config["chain-order"] == "ca-first"
        for request in self.certificates.get_outstanding_certificate_requests():
            csr = request.certificate_signing_request
            cert = generate_certificate(
                csr=csr, ca=ca, ca_private_key=key, validity=timedelta(days=90), is_ca=request.is_ca
            )
            self.certificates.set_relation_certificate(
                ProviderCertificate(
                    relation_id=request.relation_id,
                    certificate=cert,
                    certificate_signing_request=csr,
                    ca=ca,
                    chain=[ca, cert] if ca_first else [cert, ca],
                )
            )
            logger.info("issued a certificate for %s", csr.common_name)
        issued = len(self.certificates.get_issued_certificates())
        self.unit.status = ops.ActiveStatus(f"{issued} certificate(s) issued by {ca.common_name}")


if __name__ == "__main__":
    ops.main(CaProvider)
