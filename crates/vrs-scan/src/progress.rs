//! A one-line progress bar on stderr, drawn only when stderr is a terminal.

use std::io::{IsTerminal, Write};

/// Below this many files a bar is more noise than help.
const MIN_FILES: usize = 8;
const WIDTH: usize = 30;

pub struct Progress {
    total: usize,
    done: usize,
    shown: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: 0,
            shown: total >= MIN_FILES && std::io::stderr().is_terminal(),
        }
    }

    pub fn advance(&mut self) {
        self.done += 1;
        if !self.shown {
            return;
        }
        let filled = WIDTH * self.done / self.total.max(1);
        let bar = format!("{}{}", "#".repeat(filled), " ".repeat(WIDTH - filled));
        // Progress is a courtesy: a failed write to stderr changes nothing.
        let _ = write!(std::io::stderr(), "\r[{bar}] {}/{}", self.done, self.total);
    }

    pub fn finish(&self) {
        if self.shown {
            let _ = writeln!(std::io::stderr());
        }
    }
}
