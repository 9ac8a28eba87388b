//! Shared fixtures: the two stores, a CA and server certificate, the vrs-server process,
//! tablets with real encrypted queues.
#![allow(clippy::unwrap_used, dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tempfile::TempDir;
use vrs_queue::{Queue, Session};
use vrs_record::{ScanEvidence, VaccinationRecord};
use vrs_server::store::Store;
use vrs_sync_client::ServerConfig;
use vrs_ticket::{municipality_check_digit, Source, Ticket};

pub const CHIYODA: &str = "131016";
pub const SAPPORO: &str = "011002";
pub const YOKOHAMA: &str = "141003";
pub mod ingest;
pub mod proxy;

pub const PIN: &str = "2468-1357";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL when VRS_TEST_POSTGRES_URL is set (sync-server/scripts/with-postgres.sh
/// sets it). Without it the PostgreSQL half is skipped with a notice, or fails under CI=true.
pub fn backends() -> Vec<Backend> {
    if std::env::var("VRS_TEST_POSTGRES_URL").is_ok() {
        return vec![Backend::Sqlite, Backend::Postgres];
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but VRS_TEST_POSTGRES_URL is not set: run the tests through sync-server/scripts/with-postgres.sh");
    }
    eprintln!("notice: VRS_TEST_POSTGRES_URL not set; PostgreSQL half skipped (run through sync-server/scripts/with-postgres.sh)");
    vec![Backend::Sqlite]
}

/// Where one test's store lives: a fresh SQLite directory or a fresh PostgreSQL database.
pub struct StoreSpec {
    pub backend: Backend,
    dir: TempDir,
    pub postgres_url: Option<String>,
}

static DATABASES: AtomicU64 = AtomicU64::new(0);

impl StoreSpec {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let postgres_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_database().await),
        };
        Self {
            backend,
            dir,
            postgres_url,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("server")
    }

    /// `--data-dir DIR` or `--db URL`.
    pub fn args(&self) -> Vec<String> {
        match &self.postgres_url {
            Some(url) => vec!["--db".into(), url.clone()],
            None => vec!["--data-dir".into(), self.data_dir().display().to_string()],
        }
    }

    pub async fn open(&self) -> Store {
        match &self.postgres_url {
            Some(url) => Store::connect_postgres(url).await.unwrap(),
            None => Store::open_sqlite(&self.data_dir()).await.unwrap(),
        }
    }

    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// Runs SQL straight on the store's database, bypassing the server: `postgres` on
    /// PostgreSQL, `sqlite` on SQLite.
    pub async fn execute_sql(&self, postgres: &str, sqlite: &str) {
        match &self.postgres_url {
            Some(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client.batch_execute(postgres).await.unwrap();
            }
            None => {
                let db = self.data_dir().join(vrs_server::store::sqlite::DB_FILE);
                rusqlite::Connection::open(db)
                    .unwrap()
                    .execute_batch(sqlite)
                    .unwrap();
            }
        }
    }
}

async fn fresh_database() -> String {
    let base = std::env::var("VRS_TEST_POSTGRES_URL").unwrap();
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!(
        "vrs_test_{}_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros()
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

/// A private CA and a certificate for 127.0.0.1 and localhost signed by it.
pub struct TlsFiles {
    pub dir: TempDir,
    pub ca_pem: String,
}

impl TlsFiles {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "VRS test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server_params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
        std::fs::write(dir.path().join("server.pem"), server_cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), server_key.serialize_pem()).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        Self {
            ca_pem: ca_cert.pem(),
            dir,
        }
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

pub fn server_bin() -> &'static str {
    env!("CARGO_BIN_EXE_vrs-server")
}

/// Runs `vrs-server admin <store> ARGS…`.
pub fn admin(store: &StoreSpec, args: &[&str]) -> Output {
    Command::new(server_bin())
        .arg("admin")
        .args(store.args())
        .args(args)
        .output()
        .unwrap()
}

/// Like [`admin`], and the command must succeed; returns its stdout.
pub fn admin_ok(store: &StoreSpec, args: &[&str]) -> String {
    let out = admin(store, args);
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl World {
    /// Record versions the server holds.
    pub async fn stored_versions(&self) -> u64 {
        self.store
            .open()
            .await
            .counts()
            .await
            .unwrap()
            .record_versions
    }
}

/// A running `vrs-server serve` process, killed when dropped.
pub struct ServerProcess {
    child: Option<Child>,
    pub addr: SocketAddr,
    args: Vec<String>,
}

impl ServerProcess {
    /// HTTPS with the test CA's certificate on a port the kernel picks.
    pub fn start(store: &StoreSpec, tls: &TlsFiles, extra: &[&str]) -> Self {
        let mut args: Vec<String> = vec!["serve".into()];
        args.extend(store.args());
        args.extend([
            "--tls-cert".into(),
            tls.cert().display().to_string(),
            "--tls-key".into(),
            tls.key().display().to_string(),
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let (child, addr) = spawn_server(&args, "127.0.0.1:0");
        Self {
            child: Some(child),
            addr,
            args,
        }
    }

    /// Plain HTTP on 127.0.0.1 (`--insecure-http`).
    pub fn start_insecure(store: &StoreSpec) -> Self {
        let mut args: Vec<String> = vec!["serve".into()];
        args.extend(store.args());
        args.push("--insecure-http".into());
        let (child, addr) = spawn_server(&args, "127.0.0.1:0");
        Self {
            child: Some(child),
            addr,
            args,
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no graceful anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same address.
    pub fn restart(&mut self) {
        self.kill();
        let (child, addr) = spawn_server(&self.args, &self.addr.to_string());
        assert_eq!(addr, self.addr);
        self.child = Some(child);
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn_server(args: &[String], listen: &str) -> (Child, SocketAddr) {
    for attempt in 0..50 {
        let mut child = Command::new(server_bin())
            .args(args)
            .args(["--listen", listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            let addr_text = rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                    sink.clear();
                }
            });
            return (child, addr_text.parse().unwrap());
        }
        // Not listening (e.g. the old process's port not yet free): try again shortly.
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(20 * (attempt + 1)));
    }
    panic!("vrs-server did not start with {args:?}");
}

/// A world: a store, its municipalities, TLS files and a running server.
pub struct World {
    pub store: StoreSpec,
    pub tls: TlsFiles,
    pub server: ServerProcess,
}

impl World {
    pub async fn start(backend: Backend, extra: &[&str]) -> Self {
        let store = StoreSpec::new(backend).await;
        admin_ok(&store, &["municipality", "add", CHIYODA, "千代田区"]);
        admin_ok(&store, &["municipality", "add", SAPPORO, "札幌市"]);
        admin_ok(&store, &["municipality", "add", YOKOHAMA, "横浜市"]);
        let tls = TlsFiles::new();
        let server = ServerProcess::start(&store, &tls, extra);
        Self { store, tls, server }
    }

    pub fn issue_code(&self, municipality: &str, venue: &str) -> String {
        let out = admin_ok(
            &self.store,
            &[
                "device",
                "issue",
                "--municipality",
                municipality,
                "--venue",
                venue,
            ],
        );
        out.trim().to_string()
    }

    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            url: self.server.url(),
            ca_cert_pem: Some(self.tls.ca_pem.clone()),
        }
    }

    /// A new tablet enrolled at a venue of `municipality`.
    pub async fn enrolled_tablet(&self, municipality: &str, venue: &str) -> Tablet {
        self.enrolled_tablet_with(&self.server_config(), municipality, venue)
            .await
    }

    /// A new tablet enrolled through `addr` (a proxy in front of the server), which it then
    /// syncs through.
    pub async fn enrolled_tablet_via(
        &self,
        addr: SocketAddr,
        municipality: &str,
        venue: &str,
    ) -> Tablet {
        let config = ServerConfig {
            url: format!("https://{addr}"),
            ca_cert_pem: Some(self.tls.ca_pem.clone()),
        };
        self.enrolled_tablet_with(&config, municipality, venue)
            .await
    }

    async fn enrolled_tablet_with(
        &self,
        config: &ServerConfig,
        municipality: &str,
        venue: &str,
    ) -> Tablet {
        let mut tablet = Tablet::new(venue);
        let code = self.issue_code(municipality, venue);
        vrs_sync_client::enroll(&mut tablet.queue, config, &code)
            .await
            .unwrap();
        tablet
    }
}

/// A tablet: a real encrypted queue in a temporary directory, with a session set.
pub struct Tablet {
    pub dir: TempDir,
    pub queue: Queue,
}

static TICKETS: AtomicU64 = AtomicU64::new(1);

impl Tablet {
    pub fn new(venue: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = Queue::create(&dir.path().join("queue"), PIN).unwrap();
        queue
            .set_session(&Session {
                venue: venue.into(),
                maker: "ファイザー".into(),
                lot: "FA1234".into(),
                operator: "佐藤 花子".into(),
                date: None,
                dose: None,
            })
            .unwrap();
        Self { dir, queue }
    }

    pub fn reopen(&mut self) {
        self.queue = Queue::open(&self.dir.path().join("queue"), PIN).unwrap();
    }

    pub fn queue_dir(&self) -> PathBuf {
        self.dir.path().join("queue")
    }

    /// Adds `count` records for tickets of `municipality`, each a new ticket number.
    pub fn add(&mut self, count: usize, municipality: &str) -> Vec<VaccinationRecord> {
        (0..count)
            .map(|_| {
                let ticket = new_ticket(municipality, 1);
                self.add_ticket(ticket)
            })
            .collect()
    }

    pub fn add_ticket(&mut self, ticket: Ticket) -> VaccinationRecord {
        self.queue
            .add(
                ticket,
                ScanEvidence {
                    sources: vec![Source::Ocr, Source::Qr],
                    operator_confirmed: false,
                    manual_entry: false,
                },
                None,
            )
            .unwrap()
    }
}

/// A ticket with a fresh number, unique within this test process (and random across runs).
pub fn new_ticket(municipality: &str, dose: u8) -> Ticket {
    let serial = TICKETS.fetch_add(1, Ordering::SeqCst);
    let salt = (std::process::id() as u64 % 9000 + 1000) * 1_000_000;
    Ticket::parse(&format!("1{dose}{municipality}{:010}", salt + serial)).unwrap()
}

/// A valid municipality code from any five digits.
pub fn municipality_code(first_five: [u8; 5]) -> String {
    let check = municipality_check_digit(first_five);
    first_five
        .iter()
        .chain(std::iter::once(&check))
        .map(|d| char::from(b'0' + d))
        .collect()
}

/// A reqwest client trusting the test CA (for hand-made requests).
pub fn raw_client(tls: &TlsFiles) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = reqwest::Certificate::from_pem_bundle(tls.ca_pem.as_bytes()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only(certs)
        .build()
        .unwrap()
}

/// The problem document of a refused request, after checking its status and media type.
pub async fn problem_of(
    response: reqwest::Response,
    status: reqwest::StatusCode,
) -> vrs_sync_proto::Problem {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    response.json().await.unwrap()
}
