//! The preview as one endless HTTP response on loopback (`multipart/x-mixed-replace`, the
//! webcam "MJPEG" stream), shown by a small page of the same origin (`preview_page/`) that the
//! scan screen puts in a frame: its `<img>` is set to the stream's URL once per run and WebKit
//! swaps each new JPEG in. Being same-origin, that page may read the drawn pictures (the frame
//! id stamp) where the app's `tauri://` page may not. No script runs and no object URL is made
//! per frame; those (the channel and protocol transports) leave WebKitGTK's web process a few
//! hundred bytes bigger per frame, 10–20 MiB over an hour of scanning (docs/benchmarks.md).
//!
//! Only this app's page may watch: the URL carries a random token, the server listens on
//! 127.0.0.1 only, and at most [`MAX_VIEWERS`] streams run at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::state::lock;

/// Streams at once: the page needs one; a reload briefly two.
pub const MAX_VIEWERS: usize = 4;
/// A request line and headers longer than this are not from the page.
const MAX_REQUEST_BYTES: u64 = 8 * 1024;
/// A client that neither sends its request nor takes a frame for this long is dropped.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const BOUNDARY: &str = "vrsframe";
const VIEW_HTML: &str = include_str!("preview_page/view.html");
const VIEW_JS: &str = include_str!("preview_page/view.js");

/// The newest preview: a sequence number that grows with every frame (frame ids start again
/// with each run) and its JPEG.
#[derive(Default)]
struct Board {
    latest: Mutex<(u64, Option<Arc<Vec<u8>>>)>,
    changed: Condvar,
}

impl Board {
    fn publish(&self, jpeg: Vec<u8>) {
        let mut latest = lock(&self.latest);
        *latest = (latest.0 + 1, Some(Arc::new(jpeg)));
        self.changed.notify_all();
    }

    /// The first frame after sequence number `after`, or `None` if none came within `wait`.
    fn next_after(&self, after: u64, wait: Duration) -> Option<(u64, Arc<Vec<u8>>)> {
        let guard = lock(&self.latest);
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, wait, |(seq, _)| *seq <= after)
            .unwrap_or_else(|p| p.into_inner());
        match &*guard {
            (seq, Some(jpeg)) if *seq > after => Some((*seq, Arc::clone(jpeg))),
            _ => None,
        }
    }
}

pub struct PreviewStream {
    address: SocketAddr,
    token: String,
    board: Arc<Board>,
}

impl PreviewStream {
    /// Listens on a free loopback port; connections are served on their own threads.
    pub fn start() -> std::io::Result<Arc<Self>> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let stream = Arc::new(Self {
            address: listener.local_addr()?,
            token: random_token()?,
            board: Arc::default(),
        });
        let (board, path) = (Arc::clone(&stream.board), stream.path());
        let viewers = Arc::new(AtomicUsize::new(0));
        std::thread::Builder::new()
            .name("vrs-preview-stream".into())
            .spawn(move || {
                for connection in listener.incoming().flatten() {
                    let (board, path, viewers) =
                        (Arc::clone(&board), path.clone(), Arc::clone(&viewers));
                    let _ = std::thread::Builder::new()
                        .name("vrs-preview-viewer".into())
                        .spawn(move || serve(connection, &board, &path, &viewers));
                }
            })?;
        Ok(stream)
    }

    fn path(&self) -> String {
        format!("/preview/{}", self.token)
    }

    /// The URL of the page that shows the stream, for the scan screen's frame.
    pub fn page_url(&self) -> String {
        format!("http://{}{}/view", self.address, self.path())
    }

    /// Sends a JPEG to every viewer (each gets the newest frame when it is ready for one).
    pub fn publish(&self, jpeg: Vec<u8>) {
        self.board.publish(jpeg);
    }
}

fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| std::io::Error::other("no random numbers for the preview token"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Counts a viewer for as long as it lives.
struct Viewer<'a>(&'a AtomicUsize);

impl Drop for Viewer<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve(mut connection: TcpStream, board: &Board, path: &str, viewers: &AtomicUsize) {
    let _ = connection.set_read_timeout(Some(IO_TIMEOUT));
    let _ = connection.set_write_timeout(Some(IO_TIMEOUT));
    let Some(target) = request_target(&connection) else {
        let _ = connection.write_all(&plain_response("400 Bad Request"));
        return;
    };
    // The query (the page adds the run) is not part of the token check.
    let asked = target.split('?').next().unwrap_or_default();
    match below_token(asked, path) {
        Some("") => {}
        Some("/view") => {
            let _ = connection.write_all(&page_response(VIEW_HTML, "text/html"));
            return;
        }
        Some("/view.js") => {
            let _ = connection.write_all(&page_response(VIEW_JS, "text/javascript"));
            return;
        }
        _ => {
            let _ = connection.write_all(&plain_response("404 Not Found"));
            return;
        }
    }
    let others = viewers.fetch_add(1, Ordering::SeqCst);
    let _viewer = Viewer(viewers);
    if others >= MAX_VIEWERS {
        let _ = connection.write_all(&plain_response("503 Service Unavailable"));
        return;
    }
    let _ = stream_frames(&mut connection, board);
}

/// What follows the token path in `asked`, when `asked` starts with it.
fn below_token<'a>(asked: &'a str, path: &str) -> Option<&'a str> {
    let head = asked.as_bytes().get(..path.len())?;
    let rest = asked.get(path.len()..)?;
    same_bytes(head, path.as_bytes()).then_some(rest)
}

/// The target of a `GET` request whose head fits in [`MAX_REQUEST_BYTES`].
fn request_target(connection: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(connection.take(MAX_REQUEST_BYTES));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let (method, target) = (words.next()?, words.next()?.to_string());
    // The rest of the head (headers up to the blank line) says nothing the stream needs.
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return None,
            Ok(_) if header.trim_end().is_empty() => break,
            Ok(_) => {}
        }
    }
    (method == "GET").then_some(target)
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The stream's page: only its own script and the stream's pictures may load in it.
fn page_response(body: &str, content_type: &str) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\n\
         Content-Type: {content_type}; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; img-src 'self'; script-src 'self'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body.as_bytes());
    response
}

fn plain_response(status: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}

fn stream_frames(connection: &mut TcpStream, board: &Board) -> std::io::Result<()> {
    connection.write_all(
        format!(
            "HTTP/1.1 200 OK\r\n\
             Content-Type: multipart/x-mixed-replace; boundary={BOUNDARY}\r\n\
             Cache-Control: no-store\r\n\
             Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )?;
    let mut sent = 0;
    loop {
        // Waiting long is fine (no frames between runs); a gone viewer shows on the next write.
        let Some((seq, jpeg)) = board.next_after(sent, Duration::from_secs(1)) else {
            continue;
        };
        sent = seq;
        let head = format!(
            "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
            jpeg.len()
        );
        connection.write_all(head.as_bytes())?;
        connection.write_all(&jpeg)?;
        connection.write_all(b"\r\n")?;
        connection.flush()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(stream: &PreviewStream, target: &str) -> TcpStream {
        let mut c = TcpStream::connect(stream.address).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(c, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        c
    }

    fn read_until(c: &mut TcpStream, needle: &[u8], seen: &mut Vec<u8>) {
        let mut buf = [0u8; 4096];
        while !seen.windows(needle.len()).any(|w| w == needle) {
            let n = c.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "stream ended before {:?}",
                String::from_utf8_lossy(needle)
            );
            seen.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn streams_each_new_frame_to_the_page_as_a_multipart_part() {
        let stream = PreviewStream::start().unwrap();
        let mut c = get(&stream, &format!("{}?run=3", stream.path()));
        let mut seen = Vec::new();
        read_until(&mut c, b"\r\n\r\n", &mut seen);
        let head = String::from_utf8_lossy(&seen).to_string();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.contains("multipart/x-mixed-replace; boundary=vrsframe"),
            "{head}"
        );
        stream.publish(b"first-jpeg".to_vec());
        read_until(&mut c, b"first-jpeg\r\n", &mut seen);
        stream.publish(b"second".to_vec());
        read_until(&mut c, b"second\r\n", &mut seen);
        let text = String::from_utf8_lossy(&seen);
        assert!(text.contains(
            "--vrsframe\r\nContent-Type: image/jpeg\r\nContent-Length: 10\r\n\r\nfirst-jpeg"
        ));
        assert!(text.contains("Content-Length: 6\r\n\r\nsecond"));
    }

    #[test]
    fn a_viewer_that_joins_late_starts_with_the_newest_frame() {
        let stream = PreviewStream::start().unwrap();
        stream.publish(b"old".to_vec());
        stream.publish(b"newest".to_vec());
        let mut c = get(&stream, &stream.path());
        let mut seen = Vec::new();
        read_until(&mut c, b"newest\r\n", &mut seen);
        assert!(!String::from_utf8_lossy(&seen).contains("old"));
    }

    fn answer(mut c: TcpStream) -> String {
        let mut text = String::new();
        let _ = c.read_to_string(&mut text);
        text
    }

    #[test]
    fn serves_the_page_that_shows_the_stream_and_its_script_under_the_token() {
        let stream = PreviewStream::start().unwrap();
        let url = stream.page_url();
        let page_path = format!("{}/view", stream.path());
        assert_eq!(url, format!("http://{}{page_path}", stream.address));
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");

        let page = answer(get(&stream, &format!("{page_path}?stamp=1&open=2")));
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(
            page.contains("Content-Type: text/html; charset=utf-8"),
            "{page}"
        );
        assert!(page.contains(
            "Content-Security-Policy: default-src 'none'; img-src 'self'; script-src 'self'"
        ));
        assert!(page.contains(&format!("Content-Length: {}", VIEW_HTML.len())));
        assert!(page.ends_with(VIEW_HTML));
        assert!(page.contains(r#"<script src="view.js">"#));

        let script = answer(get(&stream, &format!("{page_path}.js")));
        assert!(
            script.contains("Content-Type: text/javascript; charset=utf-8"),
            "{script}"
        );
        assert!(script.ends_with(VIEW_JS));

        let wrong = page_path.replace(|c: char| c.is_ascii_digit(), "x");
        assert!(answer(get(&stream, &wrong)).starts_with("HTTP/1.1 404"));
        for other in ["/viewer", "/view.js/", "/", "/../view"] {
            let refused = answer(get(&stream, &format!("{}{other}", stream.path())));
            assert!(refused.starts_with("HTTP/1.1 404"), "{other}: {refused}");
        }
    }

    #[test]
    fn refuses_a_wrong_token_another_method_and_a_garbled_request() {
        let stream = PreviewStream::start().unwrap();
        stream.publish(b"secret-frame".to_vec());
        let wrong = stream.path().replace(|c: char| c.is_ascii_digit(), "x");
        let refused = answer(get(&stream, &wrong));
        assert!(refused.starts_with("HTTP/1.1 404"), "{refused}");
        assert!(!refused.contains("secret-frame"));
        assert!(answer(get(&stream, "/preview/")).starts_with("HTTP/1.1 404"));

        let mut post = TcpStream::connect(stream.address).unwrap();
        write!(post, "POST {} HTTP/1.1\r\n\r\n", stream.path()).unwrap();
        assert!(answer(post).starts_with("HTTP/1.1 400"));

        let mut garbled = TcpStream::connect(stream.address).unwrap();
        garbled.write_all(&[0xff; 64]).unwrap();
        garbled.shutdown(std::net::Shutdown::Write).unwrap();
        assert!(answer(garbled).starts_with("HTTP/1.1 400"));
    }

    #[test]
    fn at_most_four_viewers_at_once() {
        let stream = PreviewStream::start().unwrap();
        stream.publish(b"frame".to_vec());
        let mut open: Vec<TcpStream> = (0..MAX_VIEWERS)
            .map(|_| {
                let mut c = get(&stream, &stream.path());
                read_until(&mut c, b"frame\r\n", &mut Vec::new());
                c
            })
            .collect();
        let refused = answer(get(&stream, &stream.path()));
        assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
        // A viewer that leaves frees its place (its thread ends on the next frame it cannot send).
        drop(open.pop());
        let mut admitted = false;
        for _ in 0..50 {
            stream.publish(b"frame".to_vec());
            std::thread::sleep(Duration::from_millis(20));
            let mut c = get(&stream, &stream.path());
            let mut head = [0u8; 12];
            if c.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200") {
                admitted = true;
                break;
            }
        }
        assert!(admitted, "a place came free");
    }

    #[test]
    fn tokens_differ_and_compare_only_when_equal() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same_bytes(a.as_bytes(), a.clone().as_bytes()));
        assert!(!same_bytes(a.as_bytes(), b.as_bytes()));
        assert!(!same_bytes(a.as_bytes(), &a.as_bytes()[..31]));
    }
}
