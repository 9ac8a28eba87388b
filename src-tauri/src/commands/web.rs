//! The web process's memory: the UI asks whether a new web process is due, and asks for one
//! (`web_recycle.rs` says why).
//!
//! A new web process comes from process swap on cross-site navigation (turned on in
//! `web_memory.rs`): the page goes to a one-line page on the `renew:` scheme, which sends it
//! straight back to the app's own address; each crossing starts a new process and the old one
//! ends, since the app keeps no back-forward cache and no process cache. (Ending the process
//! directly would also do, but WebKit ends any automation session with it. Under automation
//! WebKit does not swap processes either: the page then only goes round the renewal page.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tauri::http::Response;
use tauri::{State, Url};

use crate::error::{AppError, AppResult};
use crate::web_recycle::{read_web_heap, HeapCheck, HeapWatch};

/// The scheme of the page that sends the app back to itself.
pub const RENEW_SCHEME: &str = "renew";

/// The renewal page's host: not the app's (`localhost`), see `recycle_web_view`.
const RENEW_HOST: &str = "renewal";

/// The app's own address, where the renewal page sends the page back to.
static APP_URL: OnceLock<Url> = OnceLock::new();

/// The window is driven by WebDriver: WebKit then keeps the page in its process whatever the
/// navigation, so a renewal would only reload the page (and grow the heap further).
static AUTOMATED: AtomicBool = AtomicBool::new(false);

/// Readies a window for renewal: remembers its address and turns off the caches that would keep
/// an old web process alive.
pub fn prepare_window(window: &tauri::WebviewWindow) {
    if let Ok(url) = window.url() {
        let _ = APP_URL.set(url);
    }
    let _ = window.with_webview(|platform| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
            let view = platform.inner();
            AUTOMATED.store(view.is_controlled_by_automation(), Ordering::Relaxed);
            if let Some(settings) = WebViewExt::settings(&view) {
                // A page in the back-forward cache keeps its process alive.
                settings.set_enable_page_cache(false);
            }
            if let Some(context) = view.context() {
                // One document, no browsing: no memory cache and no process cache.
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = platform;
    });
}

/// The renewal page: straight back to the app.
pub fn renew_page() -> Response<Vec<u8>> {
    let target = APP_URL
        .get()
        .map(Url::as_str)
        .unwrap_or("tauri://localhost/");
    // Our own address, but escaped all the same: it sits inside an attribute.
    let escaped = target
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let body = format!(
        "<!doctype html><meta http-equiv=\"refresh\" content=\"0;url={escaped}\"><title>…</title>"
    );
    Response::builder()
        .header("Content-Type", "text/html; charset=utf-8")
        .header("Cache-Control", "no-store")
        .body(body.into_bytes())
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

#[tauri::command]
pub async fn web_heap_check(watch: State<'_, Arc<HeapWatch>>) -> AppResult<HeapCheck> {
    let watch = Arc::clone(&watch);
    // Reading /proc takes a few milliseconds: off the async threads.
    let mut check = tauri::async_runtime::spawn_blocking(move || watch.observe(read_web_heap()))
        .await
        .map_err(|e| AppError::Other(format!("reading the web process's memory: {e}")))?;
    // Under automation a renewal brings no new process: never due there.
    check.due &= !AUTOMATED.load(Ordering::Relaxed);
    Ok(check)
}

/// Moves the page into a new web process (by way of the renewal page). The page that asked is
/// gone before any answer could reach it; the new one starts from the app's state.
#[tauri::command]
pub fn recycle_web_view(window: tauri::WebviewWindow) -> AppResult<()> {
    #[cfg(target_os = "linux")]
    let can_swap = crate::web_memory::process_swap_enabled();
    // Elsewhere the web view is not WebKitGTK's (and grows differently).
    #[cfg(not(target_os = "linux"))]
    let can_swap = false;
    if !can_swap {
        return Err(AppError::Other(
            "this web view cannot move the page into a new web process".into(),
        ));
    }
    // WebKit swaps processes only when both the scheme and the host differ from the app's.
    let url = Url::parse(&format!("{RENEW_SCHEME}://{RENEW_HOST}/"))
        .map_err(|e| AppError::Other(format!("renewal address: {e}")))?;
    window
        .navigate(url)
        .map_err(|e| AppError::Other(format!("renewing the web view: {e}")))
}
