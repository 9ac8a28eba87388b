//! Runs the built `vrs` in a temporary data directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PIN: &str = "24681357";

pub struct Store {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub fn command(data_dir: &Path, pin: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vrs"));
    command
        .env("VRS_DATA_DIR", data_dir)
        .env("VRS_PIN", pin)
        .env_remove("VRS_NEW_PIN")
        .stdin(std::process::Stdio::null());
    command
}

pub fn run_in(data_dir: &Path, pin: &str, args: &[&str]) -> Run {
    command(data_dir, pin).args(args).output().unwrap().into()
}

/// A valid ticket: kind 1, the dose, Chiyoda-ku (131016), the number.
pub fn ticket(dose: u8, number: u64) -> String {
    format!("1{dose}131016{number:010}")
}

impl Store {
    /// A new store with a session set.
    pub fn new() -> Store {
        let store = Store {
            dir: tempfile::tempdir().unwrap(),
        };
        store.ok(&["init"]);
        store.ok(&[
            "session",
            "set",
            "--venue",
            "千代田区役所",
            "--maker",
            "ファイザー",
            "--lot",
            "FA1234",
            "--operator",
            "佐藤花子",
        ]);
        store
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("queue.db")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.path(), PIN, args)
    }

    /// Runs and insists on exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "vrs {args:?}: {}", run.stderr);
        run.stdout
    }

    pub fn add(&self, ticket: &str) -> String {
        self.ok(&["add", ticket]).trim().to_string()
    }

    pub fn list(&self) -> Vec<serde_json::Value> {
        self.ok(&["queue", "list", "--json"])
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}
