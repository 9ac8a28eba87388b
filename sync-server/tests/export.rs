//! The register export from the real server process: who sees which records, the layout,
//! Shift_JIS, the HTTP export with a municipality's token, and duplicate doses left out.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use reqwest::StatusCode;
use vrs_sync_client::{sync_once, SyncOptions};
use vrs_ticket::Ticket;

fn ticket(municipality: &str, dose: u8, number: &str) -> Ticket {
    Ticket::parse(&format!("1{dose}{municipality}{number}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_municipality_exports_only_what_it_may_see() {
    for backend in backends() {
        let world = World::start(backend, &[]).await;
        let mut chiyoda_venue = world.enrolled_tablet(CHIYODA, "千代田区役所").await;
        let mut sapporo_venue = world.enrolled_tablet(SAPPORO, "北区体育館").await;
        // A Chiyoda resident's second dose is recorded before the first (paper forms entered late).
        let second = chiyoda_venue.add_ticket(ticket(CHIYODA, 2, "0000000042"));
        let first = chiyoda_venue.add_ticket(ticket(CHIYODA, 1, "0000000042"));
        let visitor = chiyoda_venue.add_ticket(ticket(SAPPORO, 1, "0000000077"));
        let yokohama_resident = sapporo_venue.add_ticket(ticket(YOKOHAMA, 1, "0000000099"));
        for tablet in [&mut chiyoda_venue, &mut sapporo_venue] {
            sync_once(&mut tablet.queue, &SyncOptions::default())
                .await
                .unwrap();
        }

        let export = |code: &str, encoding: &str| {
            let file = world.store.scratch().join(format!("{code}-{encoding}.csv"));
            admin_ok(
                &world.store,
                &[
                    "export",
                    "--municipality",
                    code,
                    "--csv",
                    file.to_str().unwrap(),
                    "--encoding",
                    encoding,
                ],
            );
            std::fs::read(file).unwrap()
        };
        let chiyoda = String::from_utf8(export(CHIYODA, "utf-8")).unwrap();
        let lines: Vec<&str> = chiyoda.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines.len(),
            3,
            "{backend:?}: header + two holders\n{chiyoda}"
        );
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header.len(), 1 + 2 * 8);
        assert_eq!(header[0], "個別宛名番号");
        assert_eq!(
            &header[1..9],
            [
                "1回目接種履歴登録日時",
                "1回目接種日",
                "1回目券番号",
                "1回目接種自治体コード",
                "1回目接種会場名",
                "1回目接種医師名",
                "1回目ワクチンメーカー",
                "1回目ロット番号"
            ]
        );
        let holder: Vec<&str> = lines
            .iter()
            .find(|l| l.contains("0000000042"))
            .unwrap()
            .split(',')
            .collect();
        assert_eq!(holder[0], "");
        assert_eq!(holder[1].len(), 14);
        // The register's dates are Japan's (the export writes them in JST), whatever the
        // offset the record carries and whatever the time of day the test runs.
        assert_eq!(
            holder[2],
            first
                .vaccinated_at
                .with_timezone(&vrs_server::time::jst())
                .format("%Y%m%d")
                .to_string()
        );
        assert_eq!(
            &holder[3..9],
            [
                "0000000042",
                CHIYODA,
                "千代田区役所",
                "佐藤 花子",
                "ファイザー",
                "FA1234"
            ]
        );
        assert_eq!(holder[11], "0000000042", "second dose in the second slot");
        assert_eq!(second.dose, 2);
        assert!(
            chiyoda.contains("0000000077"),
            "the visitor was vaccinated at a Chiyoda venue"
        );
        assert!(!chiyoda.contains("0000000099"));

        let sapporo = String::from_utf8(export(SAPPORO, "utf-8")).unwrap();
        assert!(sapporo.contains("0000000077") && sapporo.contains("0000000099"));
        assert!(!sapporo.contains("0000000042"));
        let yokohama = String::from_utf8(export(YOKOHAMA, "utf-8")).unwrap();
        assert!(yokohama.contains("0000000099") && !yokohama.contains("0000000077"));
        assert_eq!(yokohama_resident.venue, "北区体育館");
        assert_eq!(visitor.dose, 1);

        let sjis = export(CHIYODA, "shift_jis");
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!errors);
        assert_eq!(decoded, chiyoda);
        assert_ne!(sjis, chiyoda.as_bytes());

        // Over HTTP, a municipality's token exports its own register and nobody else's.
        let token = admin_ok(&world.store, &["municipality", "token", SAPPORO])
            .trim()
            .to_string();
        let client = raw_client(&world.tls);
        let url = |code: &str| format!("{}/v1/municipalities/{code}/export", world.server.url());
        let own = client
            .get(url(SAPPORO))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK);
        assert_eq!(own.text().await.unwrap(), sapporo);
        let other = client
            .get(url(CHIYODA))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let problem = problem_of(other, StatusCode::FORBIDDEN).await;
        assert_eq!(problem.field.as_deref(), Some("municipality"));
        let anonymous = client.get(url(CHIYODA)).send().await.unwrap();
        problem_of(anonymous, StatusCode::UNAUTHORIZED).await;
        let forged = client
            .get(url(CHIYODA))
            .bearer_auth("0".repeat(64))
            .send()
            .await
            .unwrap();
        problem_of(forged, StatusCode::UNAUTHORIZED).await;
        assert_eq!(
            client
                .get(url(SAPPORO))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .headers()["vrs-duplicate-doses-left-out"],
            "0"
        );

        // A second first dose for the visitor's ticket (another venue): stored and flagged, and
        // left out of the register (one first-dose place per holder), counted and named.
        let duplicate = sapporo_venue.add_ticket(ticket(SAPPORO, 1, "0000000077"));
        sync_once(&mut sapporo_venue.queue, &SyncOptions::default())
            .await
            .unwrap();
        let with_duplicate = client
            .get(url(SAPPORO))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            with_duplicate.headers()["vrs-duplicate-doses-left-out"],
            "1"
        );
        assert_eq!(with_duplicate.text().await.unwrap(), sapporo);
        let file = world.store.scratch().join("sapporo-again.csv");
        let out = admin(
            &world.store,
            &[
                "export",
                "--municipality",
                SAPPORO,
                "--csv",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("left out: record {}", duplicate.id)),
            "{stderr}"
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 duplicate doses left out"));
    }
}
