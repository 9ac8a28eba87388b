//! A TCP proxy between the tablet and the server that can cut connections mid-request or
//! swallow the server's answers, to make the network fail the way venues' networks do.
#![allow(clippy::unwrap_used, dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Bytes pass both ways.
    Pass = 0,
    /// Each connection is cut after a random number of bytes in one direction.
    Cut = 1,
    /// The request reaches the server; the answer never reaches the tablet. The server's TLS
    /// handshake flight still passes: everything after the tablet's second write (its
    /// handshake Finished and request) is swallowed.
    SwallowAnswers = 2,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    fault: Arc<AtomicU8>,
    seed: Arc<AtomicU64>,
    /// Connections open now, and the most ever open at once.
    open: Arc<(AtomicU64, AtomicU64)>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fault = Arc::new(AtomicU8::new(Fault::Pass as u8));
        let seed = Arc::new(AtomicU64::new(seed | 1));
        let open = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        let (fault_in, seed_in, open_in) =
            (Arc::clone(&fault), Arc::clone(&seed), Arc::clone(&open));
        let task = tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    continue;
                };
                let fault = fault_in.load(Ordering::SeqCst);
                let roll = next(&seed_in);
                let now_open = open_in.0.fetch_add(1, Ordering::SeqCst) + 1;
                open_in.1.fetch_max(now_open, Ordering::SeqCst);
                let open = Arc::clone(&open_in);
                tokio::spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(upstream).await {
                        relay(inbound, outbound, fault, roll).await;
                    }
                    open.0.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            addr,
            fault,
            seed,
            open,
            task,
        }
    }

    /// The most connections that were open at once.
    pub fn most_open_at_once(&self) -> u64 {
        self.open.1.load(Ordering::SeqCst)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// xorshift64: enough randomness for fault placement, reproducible from the printed seed.
pub fn next(state: &AtomicU64) -> u64 {
    let mut x = state.load(Ordering::SeqCst);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state.store(x, Ordering::SeqCst);
    x
}

async fn relay(inbound: TcpStream, outbound: TcpStream, fault: u8, roll: u64) {
    let (mut in_read, mut in_write) = inbound.into_split();
    let (mut out_read, mut out_write) = outbound.into_split();
    // For Cut: which direction is cut and after how many bytes (TLS handshake included).
    let cut_upstream = roll % 2 == 0;
    let budget = (roll >> 8) % 6000;
    let (up_budget, down_budget) = match fault {
        1 if cut_upstream => (Some(budget), None),
        1 => (None, Some(budget)),
        _ => (None, None),
    };
    let swallow = fault == Fault::SwallowAnswers as u8;
    let upstream_writes = Arc::new(AtomicU64::new(0));
    let writes_seen = Arc::clone(&upstream_writes);
    let up = async move {
        pump(
            &mut in_read,
            &mut out_write,
            up_budget,
            None,
            Some(&writes_seen),
        )
        .await
    };
    let swallow_after = swallow.then_some(&*upstream_writes);
    let down = async move {
        pump(
            &mut out_read,
            &mut in_write,
            down_budget,
            swallow_after,
            None,
        )
        .await
    };
    // When either direction ends (or is cut), both sockets close.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

async fn pump<R, W>(
    read: &mut R,
    write: &mut W,
    budget: Option<u64>,
    swallow_after_two_writes_of: Option<&AtomicU64>,
    count_writes: Option<&AtomicU64>,
) where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut left = budget.unwrap_or(u64::MAX);
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match read.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if let Some(writes) = count_writes {
            writes.fetch_add(1, Ordering::SeqCst);
        }
        if swallow_after_two_writes_of.is_some_and(|w| w.load(Ordering::SeqCst) >= 2) {
            continue;
        }
        let allowed = usize::try_from(left.min(n as u64)).unwrap();
        if write.write_all(&buffer[..allowed]).await.is_err() {
            return;
        }
        left -= allowed as u64;
        if left == 0 {
            return;
        }
    }
}
