//! The store's answers with large batches (stored rows read in groups) and with batches that
//! touch the same records and dose keys at once, from two store instances on one database (as
//! two server processes would be), on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use chrono::Utc;
use common::ingest::{enrolled, record, setup, verified};
use common::{backends, new_ticket, StoreSpec, CHIYODA};
use vrs_record::{Uuid, VaccinationRecord};
use vrs_server::store::{Device, IngestResult, Store, VerifiedRecord};
use vrs_sync_proto::{DeviceKey, Outcome, RecordFlag};

/// More ids and dose keys than one group of the stored-row look-ups holds, in one batch.
const LARGE: usize = 300;

fn outcomes(results: &[IngestResult]) -> Vec<(Outcome, Vec<RecordFlag>)> {
    results
        .iter()
        .map(|r| (r.outcome, r.flags.clone()))
        .collect()
}

fn copies(n: usize, outcome: Outcome, flags: &[RecordFlag]) -> Vec<(Outcome, Vec<RecordFlag>)> {
    vec![(outcome, flags.to_vec()); n]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_batches_find_every_stored_row() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let store = spec.open().await;
        let now = Utc::now();
        setup(&store, now).await;
        let (device, key) = enrolled(&store, CHIYODA, "tablet-l", now).await;
        let first: Vec<VaccinationRecord> = (0..LARGE)
            .map(|_| record(new_ticket(CHIYODA, 1), "tablet-l"))
            .collect();
        let sign = |records: &[VaccinationRecord]| -> Vec<VerifiedRecord> {
            records.iter().map(|r| verified(r, &key)).collect()
        };
        let stored = store.ingest(&device, sign(&first), now).await.unwrap();
        assert_eq!(outcomes(&stored), copies(LARGE, Outcome::Accepted, &[]));

        // Every one replayed, and a new record for each ticket and dose: found, one by one.
        let same_dose: Vec<VaccinationRecord> = first
            .iter()
            .map(|r| record(r.ticket.clone(), "tablet-l"))
            .collect();
        let mut second = sign(&first);
        second.extend(sign(&same_dose));
        let answers = store.ingest(&device, second, now).await.unwrap();
        let mut expected = copies(LARGE, Outcome::AlreadyHad, &[]);
        expected.extend(copies(
            LARGE,
            Outcome::Accepted,
            &[RecordFlag::DuplicateDose],
        ));
        assert_eq!(outcomes(&answers), expected, "{backend:?}");

        // The same ids and versions with other content: each refused and kept for review.
        let changed: Vec<VaccinationRecord> = first
            .iter()
            .map(|r| VaccinationRecord {
                lot: "ZZ9999".into(),
                ..r.clone()
            })
            .collect();
        let refused = store.ingest(&device, sign(&changed), now).await.unwrap();
        assert_eq!(
            outcomes(&refused),
            copies(LARGE, Outcome::Rejected, &[]),
            "{backend:?}"
        );
        let counts = store.counts().await.unwrap();
        assert_eq!(counts.record_versions, 2 * LARGE as u64, "{backend:?}");
        assert_eq!(counts.conflicts, LARGE as u64, "{backend:?}");
    }
}

struct Sender {
    store: Store,
    device: Device,
    key: DeviceKey,
}

/// Two devices, each through its own store instance on the same database (on PostgreSQL its own
/// connection pool and writer), send at once, round after round: batches with records on the
/// same tickets and doses, and a batch of records both send. Each ticket and dose has exactly
/// one record unflagged and one flagged as a duplicate dose; each shared record is accepted in
/// one answer and already had in the other; each is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_sending_overlapping_batches_at_once_get_exactly_once_answers() {
    const ROUNDS: usize = 8;
    const PER_BATCH: usize = 40;
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let now = Utc::now();
        let first_store = spec.open().await;
        setup(&first_store, now).await;
        let (device_a, key_a) = enrolled(&first_store, CHIYODA, "tablet-a", now).await;
        let (device_b, key_b) = enrolled(&first_store, CHIYODA, "tablet-b", now).await;
        let senders = [
            Sender {
                store: first_store,
                device: device_a,
                key: key_a,
            },
            Sender {
                store: spec.open().await,
                device: device_b,
                key: key_b,
            },
        ];
        let mut same_dose_flags: HashMap<String, Vec<bool>> = HashMap::new();
        let mut shared_outcomes: HashMap<Uuid, Vec<Outcome>> = HashMap::new();
        for _ in 0..ROUNDS {
            let tickets: Vec<_> = (0..PER_BATCH).map(|_| new_ticket(CHIYODA, 1)).collect();
            let shared: Vec<VaccinationRecord> = (0..PER_BATCH)
                .map(|_| record(new_ticket(CHIYODA, 1), "tablet-a"))
                .collect();
            let mut tasks = Vec::new();
            for sender in &senders {
                let own: Vec<VerifiedRecord> = tickets
                    .iter()
                    .map(|t| verified(&record(t.clone(), &sender.device.device_id), &sender.key))
                    .collect();
                let both: Vec<VerifiedRecord> = shared
                    .iter()
                    .map(|r| verified(r, &senders[0].key))
                    .collect();
                for batch in [own, both] {
                    let (store, device) = (sender.store.clone(), sender.device.clone());
                    tasks.push(tokio::spawn(async move {
                        let sent: Vec<VaccinationRecord> =
                            batch.iter().map(|v| v.record.clone()).collect();
                        let results = store.ingest(&device, batch, now).await.unwrap();
                        sent.into_iter().zip(results).collect::<Vec<_>>()
                    }));
                }
            }
            for task in tasks {
                for (sent, result) in task.await.unwrap() {
                    if shared.iter().any(|r| r.id == sent.id) {
                        shared_outcomes
                            .entry(sent.id)
                            .or_default()
                            .push(result.outcome);
                        continue;
                    }
                    assert_eq!(result.outcome, Outcome::Accepted, "{backend:?}");
                    same_dose_flags
                        .entry(sent.ticket.to_string())
                        .or_default()
                        .push(result.flags.contains(&RecordFlag::DuplicateDose));
                }
            }
        }
        assert_eq!(same_dose_flags.len(), ROUNDS * PER_BATCH);
        for (ticket, mut flags) in same_dose_flags {
            flags.sort();
            assert_eq!(flags, [false, true], "{backend:?}: ticket {ticket}");
        }
        assert_eq!(shared_outcomes.len(), ROUNDS * PER_BATCH);
        for (id, mut got) in shared_outcomes {
            got.sort_by_key(|o| format!("{o:?}"));
            assert_eq!(
                got,
                [Outcome::Accepted, Outcome::AlreadyHad],
                "{backend:?}: record {id}"
            );
        }
        let counts = senders[0].store.counts().await.unwrap();
        assert_eq!(
            counts.record_versions,
            (3 * ROUNDS * PER_BATCH) as u64,
            "{backend:?}"
        );
        assert_eq!(counts.conflicts, 0, "{backend:?}");
    }
}

/// Makes the database refuse rows with this ticket number, so that one batch of a writer's
/// group fails inside the database.
async fn refuse_ticket(spec: &StoreSpec, number: &str) {
    let postgres = format!(
        "CREATE FUNCTION refuse_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.ticket_number = '{number}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER refuse_ticket BEFORE INSERT ON records
           FOR EACH ROW EXECUTE FUNCTION refuse_ticket();"
    );
    let sqlite = format!(
        "CREATE TRIGGER refuse_ticket BEFORE INSERT ON records
         WHEN NEW.ticket_number = '{number}'
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
    );
    spec.execute_sql(&postgres, &sqlite).await;
}

/// Batches sent at once are written together; one that fails in the database is answered with
/// an error and nothing of it is stored, and the others are stored and answered as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_failing_in_the_database_fails_alone() {
    for backend in backends() {
        let spec = StoreSpec::new(backend).await;
        let store = spec.open().await;
        let now = Utc::now();
        setup(&store, now).await;
        let (device, key) = enrolled(&store, CHIYODA, "tablet-f", now).await;
        let poison = new_ticket(CHIYODA, 1);
        refuse_ticket(&spec, poison.number()).await;
        let mut batches: Vec<Vec<VerifiedRecord>> = (0..6)
            .map(|_| {
                (0..20)
                    .map(|_| verified(&record(new_ticket(CHIYODA, 1), "tablet-f"), &key))
                    .collect()
            })
            .collect();
        batches[3].push(verified(&record(poison, "tablet-f"), &key));
        let tasks: Vec<_> = batches
            .iter()
            .cloned()
            .map(|batch| {
                let (store, device) = (store.clone(), device.clone());
                tokio::spawn(async move { store.ingest(&device, batch, now).await })
            })
            .collect();
        for (index, task) in tasks.into_iter().enumerate() {
            let answer = task.await.unwrap();
            if index == 3 {
                let error = answer.unwrap_err();
                let mut chain = error.to_string();
                let mut source = std::error::Error::source(&error);
                while let Some(cause) = source {
                    chain.push_str(&format!(": {cause}"));
                    source = cause.source();
                }
                assert!(
                    chain.contains("refused by the test"),
                    "{backend:?}: {chain}"
                );
            } else {
                assert_eq!(
                    outcomes(&answer.unwrap()),
                    copies(20, Outcome::Accepted, &[]),
                    "{backend:?}"
                );
            }
        }
        assert_eq!(store.counts().await.unwrap().record_versions, 5 * 20);
        // Without the refused record, the failed batch is stored whole: none of it was before.
        batches[3].pop();
        let again = store
            .ingest(&device, batches[3].clone(), now)
            .await
            .unwrap();
        assert_eq!(outcomes(&again), copies(20, Outcome::Accepted, &[]));
    }
}
