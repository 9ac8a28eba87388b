//! A real camera through nokhwa.

use std::sync::Arc;
use std::time::Instant;

use image::{DynamicImage, RgbImage};
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use nokhwa::Camera;

use super::{camera_error, now_ms, CameraInfo, Frame, FrameSource, SourceInfo};
use crate::error::AppResult;

pub struct DeviceSource {
    camera: Camera,
    name: String,
    next_id: u64,
}

impl DeviceSource {
    pub fn open(index: u32, width: u32, height: u32) -> AppResult<Self> {
        let wanted = CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, 30);
        let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
        let mut camera = Camera::new(CameraIndex::Index(index), format).map_err(camera_error)?;
        camera.open_stream().map_err(camera_error)?;
        let name = camera.info().human_name();
        Ok(Self {
            camera,
            name,
            next_id: 1,
        })
    }
}

impl FrameSource for DeviceSource {
    fn next_frame(&mut self) -> AppResult<Frame> {
        let buffer = self.camera.frame().map_err(camera_error)?;
        let captured = Instant::now();
        let decoded = buffer.decode_image::<RgbFormat>().map_err(camera_error)?;
        let (w, h) = (decoded.width(), decoded.height());
        let rgb = RgbImage::from_raw(w, h, decoded.into_raw())
            .ok_or_else(|| camera_error("frame buffer has the wrong size"))?;
        let id = self.next_id;
        self.next_id += 1;
        Ok(Frame {
            id,
            captured,
            captured_ms: now_ms(),
            image: Arc::new(DynamicImage::ImageRgb8(rgb)),
            label: None,
        })
    }

    fn describe(&self) -> SourceInfo {
        let res = self.camera.resolution();
        SourceInfo {
            kind: "camera",
            name: self.name.clone(),
            width: res.width(),
            height: res.height(),
            fps: self.camera.frame_rate(),
        }
    }
}

impl Drop for DeviceSource {
    fn drop(&mut self) {
        // Frees the device for the next run; nothing to do if it fails on the way out.
        let _ = self.camera.stop_stream();
    }
}

pub fn list() -> Vec<CameraInfo> {
    nokhwa::query(ApiBackend::Auto)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|info| match info.index() {
            CameraIndex::Index(i) => Some(CameraInfo {
                index: *i,
                name: info.human_name(),
            }),
            CameraIndex::String(_) => None,
        })
        .collect()
}
