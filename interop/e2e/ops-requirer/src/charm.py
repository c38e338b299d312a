#!/usr/bin/env python3
"""An ops requirer built on the real TLSCertificatesRequiresV4."""

import logging

import ops
from charmlibs.interfaces.tls_certificates import (
    CertificateAvailableEvent,
    CertificateRequestAttributes,
    Mode,
    TLSCertificatesRequiresV4,
)

logger = logging.getLogger(__name__)


class OpsRequirer(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        # What our Rust requirer charm requests with its default config, so that the in-place
        # switch test can check that the Rust charm keeps this charm's key and certificate.
        self.request = CertificateRequestAttributes(common_name=self.unit.name.replace("/", "-"))
        self.certificates = TLSCertificatesRequiresV4(
            self,
            "certificates",
            certificate_requests=[self.request],
            mode=Mode.UNIT,
            refresh_events=[self.on.config_changed, self.on.update_status],
        )
        framework.observe(self.certificates.on.certificate_available, self._on_available)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _on_available(self, event: CertificateAvailableEvent):
        logger.info("certificate available: serial %x", event.certificate._cert.serial_number)

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
                f"serial {cert._cert.serial_number:x} until {cert.expiry_time.isoformat()}"
            )
        )


if __name__ == "__main__":
    ops.main(OpsRequirer)
