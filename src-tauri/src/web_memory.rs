//! A memory limit for WebKitGTK's web process.
//!
//! Left alone, the web process's heap grows for as long as the preview plays (about 50 MiB an
//! hour here; a bare WebKit window drawing JPEGs the same way grows too, docs/benchmarks.md),
//! because WebKit only releases memory under pressure and by default computes pressure against
//! the machine's RAM. WebKitGTK lets an embedder set a limit (`WebKitMemoryPressureSettings`),
//! but only as a construct-only property of the web context, and the web context is built
//! inside wry, which offers no way to pass one. So before the first context is built we wrap the
//! GObject constructor of `WebKitWebContext`: when the property was left unset, the constructor
//! sees our settings instead. Everything else goes through unchanged.

#![allow(unsafe_code)] // GObject class surgery; each block says what it relies on

use std::ffi::c_uint;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use webkit2gtk::ffi;
use webkit2gtk::glib::gobject_ffi::{
    g_object_class_find_property, g_type_class_ref, g_value_get_boxed, GObject, GObjectClass,
    GObjectConstructParam,
};
use webkit2gtk::glib::translate::{from_glib_full, IntoGlib, ToGlibPtrMut};
use webkit2gtk::glib::{ffi::GType, StaticType, ToValue};
use webkit2gtk::{MemoryPressureSettings, WebContext};

/// The limit and thresholds handed to WebKit (from `VRS_WEB_MEMORY_LIMIT_MB`, see `from_env_text`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WebMemoryLimit {
    /// Megabytes of web-process memory WebKit aims to stay under.
    pub limit_mb: u32,
    /// Fraction of the limit where WebKit starts releasing caches and collecting garbage.
    pub conservative: f64,
    /// Fraction of the limit where it releases everything it can.
    pub strict: f64,
    /// Seconds between WebKit's memory checks.
    pub poll_seconds: f64,
}

/// The environment variable that sets the limit in megabytes (`0`: WebKit's own default, which
/// is computed against the machine's RAM).
pub const LIMIT_ENV: &str = "VRS_WEB_MEMORY_LIMIT_MB";

impl WebMemoryLimit {
    /// The limit the app runs with: `VRS_WEB_MEMORY_LIMIT_MB` when set, else the default.
    /// `None` leaves WebKit's own settings.
    pub fn from_env_text(text: Option<&str>) -> Result<Option<Self>, String> {
        let limit_mb = match text.map(str::trim) {
            None | Some("") => DEFAULT_LIMIT_MB,
            Some(t) => t.parse::<u32>().map_err(|_| {
                format!("{LIMIT_ENV}: expected whole megabytes (0 for WebKit's default), got {t:?}")
            })?,
        };
        Ok((limit_mb > 0).then_some(WebMemoryLimit {
            limit_mb,
            conservative: 0.5,
            strict: 0.75,
            poll_seconds: 5.0,
        }))
    }
}

/// Megabytes. The app's web process starts with about 55 MB of heap; WebKit releases what it
/// can at half the limit and everything at three quarters (60 MB), which holds the heap there.
/// At 100 or 160 MB only the milder release ran and the heap grew as without a limit (~50 MiB/h).
pub const DEFAULT_LIMIT_MB: u32 = 80;

type Constructor = unsafe extern "C" fn(GType, c_uint, *mut GObjectConstructParam) -> *mut GObject;

struct Hook {
    original: Constructor,
    /// The `memory-pressure-settings` property's spec, compared by address.
    pspec: usize,
    /// A leaked `GValue` holding our settings; read-only once made.
    value: usize,
    limit_mb: u32,
}

static HOOK: OnceLock<Hook> = OnceLock::new();
/// Web contexts that got our settings (the property cannot be read back from a context).
static CONTEXTS_LIMITED: AtomicUsize = AtomicUsize::new(0);

/// The limit in megabytes, once a web context was built with it.
pub fn active_limit_mb() -> Option<u32> {
    let hook = HOOK.get()?;
    (CONTEXTS_LIMITED.load(Ordering::Relaxed) > 0).then_some(hook.limit_mb)
}

/// Makes every web context built from now on use `limit` unless its builder set one. Call on
/// the main thread before the app builds its first window. A second call changes nothing.
pub fn install(limit: WebMemoryLimit) {
    HOOK.get_or_init(|| {
        // SAFETY: plain constructor and setters of a boxed struct we own until `from_glib_full`
        // takes it; called through the C API because the Rust wrappers insist on GTK being
        // initialised, which Tauri does only later (the settings need no GTK).
        let settings: MemoryPressureSettings = unsafe {
            let raw = ffi::webkit_memory_pressure_settings_new();
            ffi::webkit_memory_pressure_settings_set_memory_limit(raw, limit.limit_mb);
            // WebKit requires conservative < strict, both in (0, 1): strict first, so the
            // conservative one is checked against the new strict one.
            ffi::webkit_memory_pressure_settings_set_strict_threshold(raw, limit.strict);
            ffi::webkit_memory_pressure_settings_set_conservative_threshold(
                raw,
                limit.conservative,
            );
            ffi::webkit_memory_pressure_settings_set_poll_interval(raw, limit.poll_seconds);
            from_glib_full(raw)
        };
        let value: &'static mut webkit2gtk::glib::Value = Box::leak(Box::new(settings.to_value()));
        // SAFETY: g_type_class_ref returns the class struct of a registered GObject type (it
        // registers WebKitWebContext if needed); we keep the reference for the life of the
        // process, so the struct stays valid. Only the main thread builds web contexts and this
        // runs before the first one, so nothing reads `constructor` while we swap it.
        unsafe {
            let class =
                g_type_class_ref(WebContext::static_type().into_glib()) as *mut GObjectClass;
            let pspec = g_object_class_find_property(class, c"memory-pressure-settings".as_ptr());
            let original = (*class).constructor;
            match (original, pspec.is_null()) {
                (Some(original), false) => {
                    (*class).constructor = Some(construct_with_limit);
                    Hook {
                        original,
                        pspec: pspec as usize,
                        value: value.to_glib_none_mut().0 as usize,
                        limit_mb: limit.limit_mb,
                    }
                }
                // A WebKit without the property (older than 2.34): leave the class alone.
                _ => Hook {
                    original: fallback,
                    pspec: 0,
                    value: 0,
                    limit_mb: 0,
                },
            }
        }
    });
}

/// Never called: stands in for the original constructor when none was swapped.
unsafe extern "C" fn fallback(_: GType, _: c_uint, _: *mut GObjectConstructParam) -> *mut GObject {
    std::ptr::null_mut()
}

/// The wrapped constructor: the same construct parameters, with ours for an unset limit.
unsafe extern "C" fn construct_with_limit(
    type_: GType,
    count: c_uint,
    params: *mut GObjectConstructParam,
) -> *mut GObject {
    let Some(hook) = HOOK.get() else {
        // Unreachable: the constructor is swapped inside HOOK's initialiser.
        return std::ptr::null_mut();
    };
    if params.is_null() || count == 0 {
        // SAFETY: passed through exactly as GObject gave them.
        return unsafe { (hook.original)(type_, count, params) };
    }
    // SAFETY: GObject passes `count` valid parameters; we copy them and replace only the value
    // pointer of our property, when the caller left it at its default (no settings). The
    // original constructor only reads the values (the property setter copies the boxed
    // settings), and our GValue lives for the whole process.
    unsafe {
        let mut ours: Vec<GObjectConstructParam> =
            std::slice::from_raw_parts(params, count as usize).to_vec();
        for param in &mut ours {
            if param.pspec as usize == hook.pspec && g_value_get_boxed(param.value).is_null() {
                param.value = hook.value as *mut _;
                CONTEXTS_LIMITED.fetch_add(1, Ordering::Relaxed);
            }
        }
        (hook.original)(type_, count, ours.as_mut_ptr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_comes_from_the_environment_or_the_default() {
        let default = WebMemoryLimit::from_env_text(None).unwrap().unwrap();
        assert_eq!(default.limit_mb, DEFAULT_LIMIT_MB);
        assert!(default.conservative < default.strict && default.strict < 1.0);
        let set = WebMemoryLimit::from_env_text(Some(" 300 "))
            .unwrap()
            .unwrap();
        assert_eq!(set.limit_mb, 300);
        assert_eq!(WebMemoryLimit::from_env_text(Some("0")).unwrap(), None);
        let err = WebMemoryLimit::from_env_text(Some("lots")).unwrap_err();
        assert!(err.contains(LIMIT_ENV) && err.contains("lots"), "{err}");
    }
}
