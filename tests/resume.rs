//! Resume equals an uninterrupted run. Alone in its test binary: the torch RNG that seeds
//! initialisation and dropout is process-wide, and other tests in the same process would draw
//! from it concurrently.

mod tiny_run;

use grokked::prelude::*;
use grokked::train::observer::Silent;
use tiny_run::tiny_run_config as tiny;

fn weights(t: &Trainer) -> Vec<(String, Tensor)> {
    let mut v: Vec<_> = t.model.vs.variables().into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn interrupted_and_resumed_run_equals_the_uninterrupted_run() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut whole = Trainer::new(tiny(60, 0.1), a.path()).unwrap();
    whole.run(&mut Silent).unwrap();

    let mut first = Trainer::new(tiny(40, 0.1), b.path()).unwrap();
    first.run(&mut Silent).unwrap();
    drop(first);
    let mut resumed = Trainer::resume(b.path()).unwrap();
    assert_eq!(resumed.step, 40);
    resumed.cfg.set("max_steps=60").unwrap();
    resumed.run(&mut Silent).unwrap();

    // Debug text compares the rows exactly and treats the NaN loss of step 0 as equal to itself.
    assert_eq!(
        format!("{:?}", resumed.metrics),
        format!("{:?}", whole.metrics)
    );
    assert_eq!(resumed.metrics.rows.len(), 4);
    for ((na, ta), (nb, tb)) in weights(&whole).iter().zip(weights(&resumed).iter()) {
        assert_eq!(na, nb);
        assert!(ta.equal(tb), "{na} differs after resume");
    }
}
