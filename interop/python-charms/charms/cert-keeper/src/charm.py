#!/usr/bin/env python3
"""A requirer that keeps its certificate in a unit-owned secret, as Canonical's operators do.

Runs on ops 3.x and ops 2.x unchanged. The status shows the assigned certificate's serial, the
common name of its CA, and the serial of the certificate kept in the secret.
"""

import logging

import ops
from charmlibs.interfaces.tls_certificates import (
    CertificateAvailableEvent,
    CertificateRequestAttributes,
    Mode,
    TLSCertificatesRequiresV4,
)

logger = logging.getLogger(__name__)

LABEL = "certificate"


class CertKeeper(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        number = self.unit.name.split("/")[1]
        self.request = CertificateRequestAttributes(
            common_name=f"{self.app.name}-{number}.example"
        )
        self.certificates = TLSCertificatesRequiresV4(
            self,
            "certificates",
            certificate_requests=[self.request],
            mode=Mode.UNIT,
            refresh_events=[self.on.update_status],
        )
        framework.observe(self.certificates.on.certificate_available, self._on_available)
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _on_available(self, event: CertificateAvailableEvent):
        content = {"certificate": str(event.certificate), "ca-certificate": str(event.ca)}
        try:
            secret = self.model.get_secret(label=LABEL)
        except ops.SecretNotFoundError:
            self.unit.add_secret(content, label=LABEL)
            logger.info("stored the first certificate")
            return
        secret.set_content(content)
        logger.info("stored a new certificate")

    def _on_secret_remove(self, event: ops.SecretRemoveEvent):
        if event.secret.label == LABEL:
            event.remove_revision()

    def _kept_serial(self) -> str:
        try:
            content = self.model.get_secret(label=LABEL).get_content()
        except ops.SecretNotFoundError:
            return "none"
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(content["certificate"].encode())
        return f"{cert.serial_number:x}"

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        if not self.model.get_relation("certificates"):
            event.add_status(ops.BlockedStatus("waiting for a certificates relation"))
            return
        assigned, _key = self.certificates.get_assigned_certificate(self.request)
        if assigned is None:
            event.add_status(ops.WaitingStatus("waiting for the certificate"))
            return
        cert = assigned.certificate
        event.add_status(
            ops.ActiveStatus(
                f"serial {cert._cert.serial_number:x} ca {assigned.ca.common_name} "
                f"kept {self._kept_serial()} ops {ops.__version__}"
            )
        )


if __name__ == "__main__":
    ops.main(CertKeeper)
