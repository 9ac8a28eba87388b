//! Listening: HTTPS with rustls (ring), or plain HTTP only on loopback when asked for.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::http::limits::Limits;
use crate::http::router;
use crate::store::Store;

#[derive(Debug, Clone)]
pub enum Transport {
    Tls {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Plain HTTP: refused unless the address is loopback.
    InsecureHttp,
}

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub transport: Transport,
    pub limits: Limits,
}

/// Checks the transport rules before anything is bound.
pub fn check_transport(listen: SocketAddr, transport: &Transport) -> anyhow::Result<()> {
    if matches!(transport, Transport::InsecureHttp) && !listen.ip().is_loopback() {
        bail!(
            "--insecure-http serves plain HTTP and is allowed only on a loopback address \
             (127.0.0.1 or ::1), not {listen}; give --tls-cert and --tls-key instead"
        );
    }
    Ok(())
}

/// Serves until SIGINT or SIGTERM, then drains open requests for up to 10 s.
/// Prints `listening on <scheme>://<addr>` once bound (tests read the port from it).
pub async fn serve(store: Store, config: ServeConfig) -> anyhow::Result<()> {
    check_transport(config.listen, &config.transport)?;
    let listener = TcpListener::bind(config.listen)
        .with_context(|| format!("--listen {}: cannot bind", config.listen))?;
    let bound = listener.local_addr().context("bound address")?;
    let app = router(store.clone(), config.limits).into_make_service();
    let handle = Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    match &config.transport {
        Transport::Tls { cert, key } => {
            let tls = RustlsConfig::from_config(Arc::new(tls_config(cert, key)?));
            println!("listening on https://{bound} (store: {})", store.kind());
            axum_server::from_tcp_rustls(listener, tls)
                .handle(handle)
                .serve(app)
                .await
                .context("serving HTTPS")?;
        }
        Transport::InsecureHttp => {
            println!(
                "listening on http://{bound} (store: {}; plain HTTP, loopback only)",
                store.kind()
            );
            axum_server::from_tcp(listener)
                .handle(handle)
                .serve(app)
                .await
                .context("serving HTTP")?;
        }
    }
    Ok(())
}

/// A rustls server configuration with the ring provider from PEM files.
pub fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<rustls::ServerConfig> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("--tls-cert {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("--tls-cert {}: not PEM certificates", cert.display()))?;
    if chain.is_empty() {
        bail!("--tls-cert {}: holds no certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("--tls-key {}: no PEM private key", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("--tls-cert and --tls-key do not make a usable pair")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

async fn shutdown_on_signal(handle: Handle) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    handle.graceful_shutdown(Some(Duration::from_secs(10)));
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        let loopback: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        let v6_loopback: SocketAddr = "[::1]:8443".parse().unwrap();
        let public: SocketAddr = "0.0.0.0:8443".parse().unwrap();
        assert!(check_transport(loopback, &Transport::InsecureHttp).is_ok());
        assert!(check_transport(v6_loopback, &Transport::InsecureHttp).is_ok());
        let err = check_transport(public, &Transport::InsecureHttp).unwrap_err();
        assert!(err.to_string().contains("loopback"));
        let tls = Transport::Tls {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        };
        assert!(check_transport(public, &tls).is_ok());
    }
}
