//! Settings of the window's web engine that the app needs and Tauri does not expose.

/// WebKitGTK defaults to its web-browser cache model, which keeps many resources of pages
/// already shown. The scan screen shows a new preview image (a fresh blob URL) several times a
/// second for hours, and in a 1-hour run the web process grew by about 35 MiB an hour under
/// that model. The app shows one local page and never navigates, so it caches nothing.
pub fn limit_caches(app: &tauri::App) {
    use tauri::Manager;
    for window in app.webview_windows().into_values() {
        let applied = window.with_webview(|webview| {
            #[cfg(target_os = "linux")]
            {
                use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
                if let Some(context) = webview.inner().context() {
                    context.set_cache_model(CacheModel::DocumentViewer);
                }
            }
            #[cfg(not(target_os = "linux"))]
            let _ = webview;
        });
        if let Err(e) = applied {
            eprintln!("vrs-app: could not set the web view's cache model: {e}");
        }
    }
}
