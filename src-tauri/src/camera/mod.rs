//! Frame sources: a real camera (nokhwa) or a folder of images played as frames.

#[cfg(feature = "camera")]
mod device;
mod folder;

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use image::DynamicImage;
use serde::Serialize;

pub use folder::{image_files, FolderSource};

use crate::error::{AppError, AppResult};
use crate::settings::FrameSourceSetting;

/// One captured frame. Ids rise by one per frame of a scanning run, so the UI can tell which
/// frame a verdict or a preview belongs to.
#[derive(Debug)]
pub struct Frame {
    pub id: u64,
    pub captured: Instant,
    /// Wall-clock capture time in ms since the Unix epoch, for the UI's latency figures.
    pub captured_ms: u64,
    pub image: Arc<DynamicImage>,
    /// For folder sources: the file the frame shows.
    pub label: Option<String>,
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Something that hands out frames at its own pace; `next_frame` blocks until the next one.
/// Not `Send`: a camera handle stays on the thread that opened it.
pub trait FrameSource {
    fn next_frame(&mut self) -> AppResult<Frame>;
    fn describe(&self) -> SourceInfo;
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub kind: &'static str,
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct CameraInfo {
    pub index: u32,
    pub name: String,
}

/// Opens the source a setting names.
pub fn open(setting: &FrameSourceSetting) -> AppResult<Box<dyn FrameSource>> {
    match setting {
        FrameSourceSetting::Folder {
            path,
            fps,
            hold_frames,
        } => Ok(Box::new(FolderSource::open(path, *fps, *hold_frames)?)),
        FrameSourceSetting::Camera {
            index,
            width,
            height,
        } => open_camera(*index, *width, *height),
    }
}

#[cfg(feature = "camera")]
fn open_camera(index: u32, width: u32, height: u32) -> AppResult<Box<dyn FrameSource>> {
    Ok(Box::new(device::DeviceSource::open(index, width, height)?))
}

#[cfg(not(feature = "camera"))]
fn open_camera(_index: u32, _width: u32, _height: u32) -> AppResult<Box<dyn FrameSource>> {
    Err(AppError::NotAvailable("camera support (feature `camera`)"))
}

/// The cameras the system offers; empty without any (or without the `camera` feature).
pub fn list_cameras() -> Vec<CameraInfo> {
    #[cfg(feature = "camera")]
    {
        device::list()
    }
    #[cfg(not(feature = "camera"))]
    {
        Vec::new()
    }
}

/// Checks that a folder can be played as frames: it exists and holds images.
pub fn check_folder(path: &std::path::Path) -> AppResult<()> {
    if folder::image_files(path)?.is_empty() {
        return Err(AppError::field(
            "frame folder",
            format!("{} holds no .jpg or .png images", path.display()),
        ));
    }
    Ok(())
}

pub(crate) fn camera_error(e: impl std::fmt::Display) -> AppError {
    AppError::Camera(e.to_string())
}
