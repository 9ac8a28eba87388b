//! `vrs scan` on synthetic ticket images from vrs-ticketgen.
#![allow(clippy::unwrap_used)]

mod common;

use common::Store;
use vrs_ticketgen::{check_fonts, generate, Capture, GenOptions};

#[test]
fn accepted_tickets_are_enqueued_and_others_are_not() {
    if let Err(e) = check_fonts() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "fonts for vrs-ticketgen missing: {e}"
        );
        println!("skipped: fonts for vrs-ticketgen missing ({e})");
        return;
    }
    let store = Store::new();
    let options = GenOptions {
        capture: Capture::FlatbedScan,
        degrade: false,
        ..GenOptions::default()
    };
    let sample = generate(7, &options);
    let ticket_png = store.path().join("ticket.png");
    sample.image.save(&ticket_png).unwrap();
    let blank_png = store.path().join("blank.png");
    image::RgbImage::from_pixel(400, 300, image::Rgb([255, 255, 255]))
        .save(&blank_png)
        .unwrap();
    let not_image = store.path().join("notes.png");
    std::fs::write(&not_image, "not an image").unwrap();

    let run = store.run(&["scan", ticket_png.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains(&format!("accepted {}", sample.label.line)),
        "{}",
        run.stdout
    );
    let listed = store.list();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["ticket"], sample.label.line.as_str());
    assert_eq!(listed[0]["venue"], "千代田区役所");

    let run = store.run(&[
        "scan",
        ticket_png.to_str().unwrap(),
        blank_png.to_str().unwrap(),
        not_image.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].contains("not enqueued") && lines[0].contains("duplicate"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("blank.png: unreadable"), "{}", lines[1]);
    assert!(lines[2].contains("notes.png: error"), "{}", lines[2]);
    assert_eq!(store.list().len(), 1);
}
