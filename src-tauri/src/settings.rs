//! Where frames come from, how the preview travels, where data lives; from the environment first.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// The environment variable that chooses the frame source:
/// `folder:/path/to/images` (optionally `@fps`, default 15) or `camera:INDEX` (optionally `@WxH`).
pub const FRAME_SOURCE_ENV: &str = "VRS_FRAME_SOURCE";
/// The environment variable that plays a folder of images as the camera (same as
/// `VRS_FRAME_SOURCE=folder:PATH`).
pub const CAMERA_DIR_ENV: &str = "VRS_CAMERA_DIR";
/// The environment variable that puts the app's data (queue, settings) in a given folder.
pub const DATA_DIR_ENV: &str = "VRS_APP_DATA_DIR";
/// Frames per second and frames per image of the folder source chosen by `VRS_CAMERA_DIR`.
pub const CAMERA_FPS_ENV: &str = "VRS_CAMERA_FPS";
pub const CAMERA_HOLD_ENV: &str = "VRS_CAMERA_HOLD_FRAMES";
/// `stream` (the default), `channel` or `protocol`: how previews reach the page.
pub const PREVIEW_TRANSPORT_ENV: &str = "VRS_PREVIEW_TRANSPORT";
/// `1`: stamp each preview's frame id into its pixels (tests and benchmarks count drawn frames).
pub const PREVIEW_STAMP_ENV: &str = "VRS_PREVIEW_STAMP";
const SETTINGS_FILE: &str = "settings.json";

/// A positive whole number from the environment, or `default` when unset.
fn env_number(name: &'static str, default: u32) -> AppResult<u32> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => match text.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(AppError::field(
                name,
                format!("{text:?} is not a whole number above 0"),
            )),
        },
        _ => Ok(default),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FrameSourceSetting {
    /// A camera by index, at the closest resolution it offers.
    Camera { index: u32, width: u32, height: u32 },
    /// A folder of images played as frames, in name order, each held for `hold_frames` frames.
    Folder {
        path: PathBuf,
        fps: u32,
        hold_frames: u32,
    },
}

/// How preview frames reach the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PreviewTransport {
    /// JPEG bytes pushed over a Tauri channel, drawn through blob URLs.
    Channel,
    /// One endless multipart HTTP response on loopback, shown by the stream's own page in a
    /// frame (`preview_stream`): no script or object URL per frame, which WebKitGTK's web
    /// process otherwise keeps a little of (the channel's heap grows 10–20 MiB an hour; the
    /// stream's stays flat). That page, of the stream's origin, reads the frame stamps and
    /// tells the app's page which frames it drew.
    #[default]
    Stream,
    /// The UI pulls the latest JPEG from the `preview://` custom protocol.
    Protocol,
}

impl PreviewTransport {
    fn from_env_text(text: &str) -> AppResult<Self> {
        match text.trim() {
            "channel" => Ok(Self::Channel),
            "" | "stream" => Ok(Self::Stream),
            "protocol" => Ok(Self::Protocol),
            other => Err(AppError::field(
                PREVIEW_TRANSPORT_ENV,
                format!("{other:?} is not channel, stream or protocol"),
            )),
        }
    }
}

/// The saved settings (the frame source) and those only the environment sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub source: FrameSourceSetting,
    /// From the environment only (an older app saved its default here; that is ignored).
    #[serde(skip)]
    pub preview: PreviewTransport,
    #[serde(skip)]
    pub stamp_previews: bool,
}

pub const DEFAULT_FOLDER_FPS: u32 = 15;
/// A ticket held up to the camera stays in view about a second and a half.
pub const DEFAULT_HOLD_FRAMES: u32 = 20;

impl FrameSourceSetting {
    /// Parses the `VRS_FRAME_SOURCE` syntax.
    pub fn parse(text: &str) -> AppResult<Self> {
        let bad = |reason: &str| AppError::field(FRAME_SOURCE_ENV, format!("{text:?}: {reason}"));
        if let Some(rest) = text.strip_prefix("folder:") {
            let (path, fps) = match rest.rsplit_once('@') {
                Some((p, f)) => (
                    p,
                    f.parse().map_err(|_| bad("fps after @ is not a number"))?,
                ),
                None => (rest, DEFAULT_FOLDER_FPS),
            };
            if path.is_empty() {
                return Err(bad("no folder given"));
            }
            if fps == 0 {
                return Err(bad("fps must be at least 1"));
            }
            return Ok(Self::Folder {
                path: PathBuf::from(path),
                fps,
                hold_frames: DEFAULT_HOLD_FRAMES,
            });
        }
        if let Some(rest) = text.strip_prefix("camera:") {
            let (index, size) = match rest.split_once('@') {
                Some((i, s)) => (i, Some(s)),
                None => (rest, None),
            };
            let index = index
                .parse()
                .map_err(|_| bad("camera index is not a number"))?;
            let (width, height) = match size {
                Some(s) => {
                    let (w, h) = s.split_once('x').ok_or_else(|| bad("size is not WxH"))?;
                    (
                        w.parse().map_err(|_| bad("width is not a number"))?,
                        h.parse().map_err(|_| bad("height is not a number"))?,
                    )
                }
                None => (1280, 720),
            };
            return Ok(Self::Camera {
                index,
                width,
                height,
            });
        }
        Err(bad("expected folder:PATH[@FPS] or camera:INDEX[@WxH]"))
    }
}

impl Settings {
    /// The settings saved in the data folder, overridden by the environment, else the defaults:
    /// the first camera when one exists, otherwise nothing to scan until a folder is chosen.
    pub fn load(saved: Option<Settings>) -> AppResult<Settings> {
        let env_source = match (
            std::env::var(FRAME_SOURCE_ENV),
            std::env::var(CAMERA_DIR_ENV),
        ) {
            (Ok(text), _) if !text.trim().is_empty() => {
                Some(FrameSourceSetting::parse(text.trim())?)
            }
            (_, Ok(dir)) if !dir.trim().is_empty() => Some(FrameSourceSetting::Folder {
                path: PathBuf::from(dir.trim()),
                fps: env_number(CAMERA_FPS_ENV, DEFAULT_FOLDER_FPS)?,
                hold_frames: env_number(CAMERA_HOLD_ENV, DEFAULT_HOLD_FRAMES)?,
            }),
            _ => None,
        };
        let mut settings = saved.unwrap_or(Settings {
            source: FrameSourceSetting::Camera {
                index: 0,
                width: 1280,
                height: 720,
            },
            preview: PreviewTransport::default(),
            stamp_previews: false,
        });
        if let Some(source) = env_source {
            settings.source = source;
        }
        settings.preview = PreviewTransport::from_env_text(
            &std::env::var(PREVIEW_TRANSPORT_ENV).unwrap_or_default(),
        )?;
        settings.stamp_previews = std::env::var(PREVIEW_STAMP_ENV).is_ok_and(|v| v.trim() == "1");
        Ok(settings)
    }

    /// The settings saved in a data folder; `None` when none were saved or the file is unreadable
    /// (the defaults then apply and the next save replaces it).
    pub fn read_saved(data_dir: &Path) -> Option<Settings> {
        let text = std::fs::read_to_string(data_dir.join(SETTINGS_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save(&self, data_dir: &Path) -> AppResult<()> {
        let path = data_dir.join(SETTINGS_FILE);
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| AppError::Other(format!("settings: {e}")))?;
        std::fs::write(&path, text).map_err(|e| AppError::io(path.display().to_string(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_with_and_without_fps() {
        assert_eq!(
            FrameSourceSetting::parse("folder:/tmp/t@30").unwrap(),
            FrameSourceSetting::Folder {
                path: "/tmp/t".into(),
                fps: 30,
                hold_frames: DEFAULT_HOLD_FRAMES
            }
        );
        match FrameSourceSetting::parse("folder:/a/b").unwrap() {
            FrameSourceSetting::Folder { fps, .. } => assert_eq!(fps, DEFAULT_FOLDER_FPS),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn camera_with_size() {
        assert_eq!(
            FrameSourceSetting::parse("camera:1@640x480").unwrap(),
            FrameSourceSetting::Camera {
                index: 1,
                width: 640,
                height: 480
            }
        );
    }

    #[test]
    fn saved_settings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::read_saved(dir.path()), None);
        let s = Settings {
            source: FrameSourceSetting::parse("folder:/x/y@12").unwrap(),
            preview: PreviewTransport::Protocol,
            stamp_previews: true,
        };
        s.save(dir.path()).unwrap();
        // The transport and the stamp come from the environment, never from the file.
        let read = Settings::read_saved(dir.path()).unwrap();
        assert_eq!(read.source, s.source);
        assert_eq!(
            (read.preview, read.stamp_previews),
            (PreviewTransport::Stream, false)
        );
        // A file an older app saved, with its default transport in it, still reads.
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"source":{"kind":"folder","path":"/x","fps":15,"hold_frames":20},"preview":"protocol"}"#,
        )
        .unwrap();
        let old = Settings::read_saved(dir.path()).unwrap();
        assert_eq!(old.preview, PreviewTransport::Stream);
    }

    #[test]
    fn preview_transport_names() {
        assert_eq!(
            PreviewTransport::from_env_text("").unwrap(),
            PreviewTransport::Stream
        );
        assert_eq!(
            PreviewTransport::from_env_text("stream").unwrap(),
            PreviewTransport::Stream
        );
        assert_eq!(
            PreviewTransport::from_env_text("channel").unwrap(),
            PreviewTransport::Channel
        );
        assert_eq!(
            PreviewTransport::from_env_text(" protocol ").unwrap(),
            PreviewTransport::Protocol
        );
        let e = PreviewTransport::from_env_text("mjpeg")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(PREVIEW_TRANSPORT_ENV), "{e}");
    }

    #[test]
    fn rejects_nonsense_naming_the_variable() {
        for bad in [
            "",
            "folder:",
            "folder:/x@0",
            "camera:x",
            "camera:0@640",
            "usb:0",
        ] {
            let e = FrameSourceSetting::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with(FRAME_SOURCE_ENV), "{bad}: {e}");
        }
    }
}
