#!/usr/bin/env python3
"""An ops charm that exercises relation data, secrets, statuses and actions under juju-sim."""

import logging

import ops

logger = logging.getLogger(__name__)

LABEL = "db-password"


class SimCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.db_relation_joined, self._on_db_joined)
        framework.observe(self.on.db_relation_changed, self._on_db_changed)
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on.get_password_action, self._on_get_password)

    def _on_install(self, event: ops.InstallEvent):
        self.unit.add_secret({"password": "initial-pw"}, label=LABEL)
        self.unit.status = ops.MaintenanceStatus("installed")

    def _on_db_joined(self, event: ops.RelationJoinedEvent):
        greeting = self.config["greeting"]
        event.relation.data[self.unit]["request"] = f"{greeting} from {self.unit.name}"
        if self.unit.is_leader():
            event.relation.data[self.app]["requirer-app"] = self.app.name

    def _on_db_changed(self, event: ops.RelationChangedEvent):
        endpoint = event.relation.data[event.relation.app].get("endpoint")
        if not endpoint:
            self.unit.status = ops.WaitingStatus("waiting for an endpoint")
            return
        secret = self.model.get_secret(label=LABEL)
        content = secret.get_content(refresh=True)
        rotated = f"rotated-for-{endpoint}"
        if content["password"] != rotated:
            secret.set_content({"password": rotated})
        ids = self.model.relations["db"]
        remote_units = sorted(u.name for u in event.relation.units)
        logger.info("relations %s, remote units %s", [r.id for r in ids], remote_units)
        self.unit.status = ops.ActiveStatus(f"connected to {endpoint}")

    def _on_secret_remove(self, event: ops.SecretRemoveEvent):
        event.remove_revision()

    def _on_get_password(self, event: ops.ActionEvent):
        secret = self.model.get_secret(label=LABEL)
        event.set_results({"password": secret.get_content(refresh=True)["password"]})


if __name__ == "__main__":
    ops.main(SimCharm)
