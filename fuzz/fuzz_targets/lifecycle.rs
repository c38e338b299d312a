//! Whole lifecycles: the input decodes (with `arbitrary`) into a sequence of operations on a
//! juju-sim model running both charms in-process (lifecycle-sim); after every operation and
//! after a final fault-free settle the invariants are checked, and a violation is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = lifecycle_sim::run_bytes(data, 0) {
        panic!("{failure}\nstate:\n{}", failure.state);
    }
});
