//! Reads the files on a few worker threads and hands the outcomes back in input order.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use vrs_reader::Reader;

use crate::outcome::Outcome;

fn read_one(reader: &Reader, path: &std::path::Path) -> Outcome {
    let started = Instant::now();
    // A bug in a decoder must cost one file, not the whole run.
    match catch_unwind(AssertUnwindSafe(|| reader.read_path(path))) {
        Ok(result) => Outcome::from_result(result, started.elapsed()),
        Err(_) => Outcome::Failed {
            reason: format!("{}: internal error while decoding", path.display()),
            elapsed: started.elapsed(),
        },
    }
}

/// Calls `emit(index, outcome)` for every file, in input order, as soon as each is ready.
/// Stops early (and returns the error) when `emit` fails, e.g. on a closed stdout.
pub fn scan_in_order<E>(
    reader: &Reader,
    files: &[PathBuf],
    workers: usize,
    mut emit: impl FnMut(usize, Outcome) -> Result<(), E>,
) -> Result<(), E> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<(usize, Outcome)>();
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, files.len().max(1)) {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(index) else { break };
                    if sender.send((index, read_one(reader, path))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut pending: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
        let mut emitted = 0;
        for (index, outcome) in receiver {
            pending[index] = Some(outcome);
            while let Some(ready) = pending.get_mut(emitted).and_then(Option::take) {
                if let Err(e) = emit(emitted, ready) {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
                emitted += 1;
            }
        }
        Ok(())
    })
}
