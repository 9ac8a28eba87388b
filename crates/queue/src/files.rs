//! Writing a whole file safely: beside its final name, synced, then renamed into place, so
//! that a failed export or backup (a full disk) leaves no half-written file.

use std::io::Write;
use std::path::Path;

use crate::error::{QueueError, Result};

pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    // Something that is not a regular file (a pipe, a device) is written to, never replaced.
    if path.exists() && !path.is_file() {
        return write_synced(path, bytes);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let result = write_synced(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path).map_err(|e| QueueError::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e| QueueError::io(path, e);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}
