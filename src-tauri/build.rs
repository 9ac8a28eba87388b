//! Generates the Tauri context here rather than in `generate_context!`, so a rebuilt UI
//! (`ui/dist`) re-embeds without touching the crate's sources.

use std::path::Path;

/// Shown in the window when the app was compiled before the UI was built.
const PLACEHOLDER: &str = "<!doctype html><meta charset=\"utf-8\"><title>VRS</title>\
<p>The UI was not built when this app was compiled: run <code>npm run build</code> in <code>ui/</code> \
(or <code>src-tauri/scripts/setup-debian.sh</code>), then build the app again.</p>";

fn main() {
    // Embedding needs the folder to exist; tools that only check or lint the crate (clippy on a
    // fresh clone) must not fail for want of a built UI.
    let dist = Path::new("../ui/dist");
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some()
        && !dist.join("index.html").exists()
    {
        println!(
            "cargo:warning=ui/dist is missing: embedding a placeholder page (build the UI first)"
        );
        if let Err(e) = std::fs::create_dir_all(dist)
            .and_then(|()| std::fs::write(dist.join("index.html"), PLACEHOLDER))
        {
            println!("cargo:warning=writing the placeholder UI: {e}");
        }
    }
    tauri_build::try_build(
        tauri_build::Attributes::new().codegen(tauri_build::CodegenContext::new()),
    )
    .unwrap_or_else(|e| panic!("tauri-build: {e:#}"));
}
