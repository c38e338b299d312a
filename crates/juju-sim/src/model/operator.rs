//! What an operator (or a chaos test) does to a model outside any hook: withdraw pending
//! faults, remove a secret.

use super::Model;
use crate::error::{Error, Result};

impl Model {
    /// Withdraws every injected [`Fault`](crate::Fault) that has not fired yet, and returns how
    /// many there were (e.g. to end a stretch of failing hook tools before a fault-free settle).
    pub fn clear_faults(&mut self) -> usize {
        let pending = self.state.faults.len();
        self.state.faults.clear();
        pending
    }

    /// The injected faults that have not fired yet.
    pub fn pending_faults(&self) -> usize {
        self.state.faults.len()
    }

    /// Removes a secret with every revision, as an operator would with `juju remove-secret`
    /// (which Juju allows for user secrets; for a charm's secret this imitates its loss): its
    /// owner and consumers get no hook, and their next `secret-get` fails with "not found".
    ///
    /// # Errors
    /// [`Error::SecretNotFound`].
    pub fn remove_secret(&mut self, xid: &str) -> Result<()> {
        self.state.secret_order.remove(xid);
        self.state
            .secrets
            .remove(xid)
            .map(|_| ())
            .ok_or_else(|| Error::SecretNotFound(xid.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Databag, Fault, Model, SecretOwnerRef};

    #[test]
    fn cleared_faults_no_longer_fire_and_a_removed_secret_is_gone() {
        let mut model = Model::new();
        model.inject_fault(Fault::NthCall { n: 1, unit: None });
        assert_eq!(model.pending_faults(), 1);
        assert_eq!(model.clear_faults(), 1);
        assert_eq!(model.pending_faults(), 0);

        let content = Databag::from([("payload".to_owned(), "v".to_owned())]);
        let uri = model
            .add_secret(SecretOwnerRef::App("a".into()), Some("l"), content)
            .unwrap();
        let xid = uri.trim_start_matches("secret:").to_owned();
        model.remove_secret(&xid).unwrap();
        assert!(model.secrets().is_empty());
        assert!(model.remove_secret(&xid).is_err());
    }
}
