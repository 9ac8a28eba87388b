//! The `vrs-scan` contract, run as a real process on generated ticket files.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use vrs_ticketgen::{content_for_seed, generate_with, Capture, GenOptions};

const KEYS: [&str; 8] = [
    "file",
    "status",
    "ticket",
    "ocr",
    "qr",
    "nw7",
    "reason",
    "elapsed_ms",
];

fn vrs_scan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vrs-scan"))
        .args(args)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vrs-scan-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A clean 300-dpi scan of a ticket with the given QR payload; returns the printed line.
fn write_scan(path: &Path, seed: u64, qr: Option<&str>) -> String {
    let mut content = content_for_seed(seed);
    if let Some(qr) = qr {
        content.qr = Some(qr.to_string());
    } else if content.qr.is_none() {
        content.qr = Some(content.line.clone());
    }
    let options = GenOptions {
        capture: Capture::FlatbedScan,
        degrade: false,
        ..GenOptions::default()
    };
    generate_with(seed, &content, &options)
        .image
        .save(path)
        .unwrap();
    content.line
}

#[test]
fn json_lines_in_input_order_with_errors_for_bad_files() {
    let dir = temp_dir("json");
    let good_a = dir.join("a.png");
    let line_a = write_scan(&good_a, 21, None);
    let good_b = dir.join("b.jpg");
    let line_b = write_scan(&good_b, 22, None);
    let foreign = dir.join("foreign.png");
    let line_foreign = write_scan(&foreign, 23, Some("https://example.invalid/ticket"));
    let corrupt = dir.join("corrupt.jpg");
    let bytes = std::fs::read(&good_b).unwrap();
    std::fs::write(&corrupt, &bytes[..bytes.len() / 2]).unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();
    let missing = dir.join("missing.png");

    let files: Vec<String> = [&good_a, &corrupt, &good_b, &text, &foreign, &missing]
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["--json"];
    args.extend(files.iter().map(String::as_str));
    let output = vrs_scan(&args);
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files.len(), "{stdout}");
    for (line, file) in lines.iter().zip(&files) {
        let object = line.as_object().unwrap();
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), KEYS.len(), "{line}");
        for key in KEYS {
            assert!(object.contains_key(key), "{key} missing in {line}");
        }
        assert_eq!(line["file"], file.as_str());
        assert!(line["elapsed_ms"].as_f64().unwrap() >= 0.0);
    }
    let status = |i: usize| lines[i]["status"].as_str().unwrap().to_string();

    assert_eq!(status(0), "accepted", "{}", lines[0]);
    assert_eq!(lines[0]["ticket"], line_a.as_str());
    assert_eq!(lines[0]["qr"], line_a.as_str());
    assert!(lines[0]["reason"].is_null());

    assert_eq!(status(2), "accepted", "{}", lines[2]);
    assert_eq!(lines[2]["ticket"], line_b.as_str());

    for (i, needle) in [(1, "corrupt.jpg"), (3, "notes.txt"), (5, "missing.png")] {
        assert_eq!(status(i), "error", "{}", lines[i]);
        assert!(lines[i]["ticket"].is_null());
        assert!(
            lines[i]["reason"].as_str().unwrap().contains(needle),
            "{}",
            lines[i]
        );
    }

    // A QR code that is no ticket is reported as decoded and never becomes the ticket; the
    // printed line may still be accepted on the OCR line and NW-7 code agreeing, with the
    // foreign code named in the reason.
    assert_eq!(lines[4]["qr"], "https://example.invalid/ticket");
    match status(4).as_str() {
        "accepted" => {
            assert_eq!(lines[4]["ticket"], line_foreign.as_str());
            assert_eq!(lines[4]["ocr"], line_foreign.as_str());
            assert!(lines[4]["nw7"].as_str().is_some(), "{}", lines[4]);
            assert!(
                lines[4]["reason"].as_str().unwrap().contains("QR code"),
                "{}",
                lines[4]
            );
        }
        "unconfirmed" => assert_eq!(lines[4]["ticket"], line_foreign.as_str()),
        _ => assert!(lines[4]["ticket"].is_null(), "{}", lines[4]),
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn readable_mode_prints_a_line_per_file() {
    let dir = temp_dir("human");
    let good = dir.join("ticket.png");
    let line = write_scan(&good, 31, None);
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();
    let output = vrs_scan(&[good.to_str().unwrap(), text.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains("accepted") && lines[0].contains(&line),
        "{stdout}"
    );
    assert!(lines[1].contains("notes.txt") && lines[1].contains("error"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    let no_images = vrs_scan(&["--json"]);
    assert_eq!(no_images.status.code(), Some(2));
    assert!(no_images.stdout.is_empty());
    let unknown = vrs_scan(&["--frobnicate", "x.png"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(!unknown.stderr.is_empty());
    let nothing = vrs_scan(&[]);
    assert_eq!(nothing.status.code(), Some(2));
}
