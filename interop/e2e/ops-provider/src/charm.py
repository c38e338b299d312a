#!/usr/bin/env python3
"""An ops provider built on the real TLSCertificatesProvidesV4 and generate_certificate."""

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

CA_LABEL = "ops-provider-ca"


class OpsProvider(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.certificates = TLSCertificatesProvidesV4(self, "certificates")
        for event in (
            self.on.install,
            self.on.config_changed,
            self.on.update_status,
            self.on.certificates_relation_joined,
            self.on.certificates_relation_changed,
        ):
            framework.observe(event, self._issue)

    def _ca(self) -> tuple[PrivateKey, Certificate]:
        try:
            content = self.model.get_secret(label=CA_LABEL).get_content(refresh=True)
            return (
                PrivateKey.from_string(content["private-key"]),
                Certificate.from_string(content["ca-certificate"]),
            )
        except ops.SecretNotFoundError:
            key = generate_private_key()
            ca = generate_ca(private_key=key, validity=timedelta(days=365), common_name="ops-ca")
            self.app.add_secret(
                {"private-key": str(key), "ca-certificate": str(ca)}, label=CA_LABEL
            )
            return key, ca

    def _issue(self, _event: ops.EventBase):
        if not self.unit.is_leader():
            self.unit.status = ops.ActiveStatus("standby")
            return
        key, ca = self._ca()
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
                    chain=[cert, ca],
                )
            )
            logger.info("issued a certificate for %s", csr.common_name)
        issued = len(self.certificates.get_issued_certificates())
        self.unit.status = ops.ActiveStatus(f"{issued} certificate(s) issued")


if __name__ == "__main__":
    ops.main(OpsProvider)
