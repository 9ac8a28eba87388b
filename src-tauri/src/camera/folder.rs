//! A folder of images played as camera frames: for machines without a camera, CI and demos.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::DynamicImage;

use super::{now_ms, Frame, FrameSource, SourceInfo};
use crate::error::{AppError, AppResult};

const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png"];

/// Plays each image for `hold_frames` frames at `fps`, in file-name order, looping. Images are
/// decoded once, on the capture thread, when first shown.
pub struct FolderSource {
    folder: PathBuf,
    files: Vec<PathBuf>,
    decoded: Vec<Option<Arc<DynamicImage>>>,
    interval: Duration,
    hold_frames: u32,
    fps: u32,
    next_id: u64,
    next_due: Option<Instant>,
}

/// The images in a folder, in name order.
pub fn image_files(folder: &Path) -> AppResult<Vec<PathBuf>> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| AppError::io(format!("frame folder {}", folder.display()), e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    files.sort();
    Ok(files)
}

impl FolderSource {
    pub fn open(folder: &Path, fps: u32, hold_frames: u32) -> AppResult<Self> {
        let files = image_files(folder)?;
        if files.is_empty() {
            return Err(AppError::field(
                "frame folder",
                format!("{} holds no .jpg or .png images", folder.display()),
            ));
        }
        let fps = fps.max(1);
        Ok(Self {
            folder: folder.to_path_buf(),
            decoded: vec![None; files.len()],
            files,
            interval: Duration::from_secs_f64(1.0 / f64::from(fps)),
            hold_frames: hold_frames.max(1),
            fps,
            next_id: 1,
            next_due: None,
        })
    }

    fn image_at(&mut self, index: usize) -> AppResult<Arc<DynamicImage>> {
        if let Some(Some(img)) = self.decoded.get(index) {
            return Ok(Arc::clone(img));
        }
        let path = &self.files[index];
        let img = image::open(path)
            .map_err(|e| AppError::field("frame folder", format!("{}: {e}", path.display())))?;
        let img = Arc::new(img);
        self.decoded[index] = Some(Arc::clone(&img));
        Ok(img)
    }
}

impl FrameSource for FolderSource {
    fn next_frame(&mut self) -> AppResult<Frame> {
        // Pace like a camera: a frame every interval, never faster.
        let now = Instant::now();
        let due = self.next_due.unwrap_or(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        self.next_due = Some(due.max(now) + self.interval);

        let id = self.next_id;
        self.next_id += 1;
        let index = ((id - 1) / u64::from(self.hold_frames)) as usize % self.files.len();
        let image = self.image_at(index)?;
        Ok(Frame {
            id,
            captured: Instant::now(),
            captured_ms: now_ms(),
            image,
            label: self.files[index]
                .file_name()
                .map(|n| n.to_string_lossy().into_owned()),
        })
    }

    fn describe(&self) -> SourceInfo {
        let (width, height) = self
            .decoded
            .iter()
            .flatten()
            .next()
            .map_or((0, 0), |i| (i.width(), i.height()));
        SourceInfo {
            kind: "folder",
            name: self.folder.display().to_string(),
            width,
            height,
            fps: self.fps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..n {
            let img = image::RgbImage::from_pixel(8, 8, image::Rgb([i as u8 * 40, 0, 0]));
            img.save(dir.path().join(format!("t{i}.png"))).unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
        dir
    }

    #[test]
    fn plays_each_image_for_its_hold_then_loops() {
        let dir = folder_with(2);
        let mut src = FolderSource::open(dir.path(), 1000, 2).unwrap();
        let labels: Vec<String> = (0..5)
            .map(|_| src.next_frame().unwrap().label.unwrap())
            .collect();
        assert_eq!(labels, ["t0.png", "t0.png", "t1.png", "t1.png", "t0.png"]);
    }

    #[test]
    fn frame_ids_rise_by_one() {
        let dir = folder_with(1);
        let mut src = FolderSource::open(dir.path(), 1000, 1).unwrap();
        let a = src.next_frame().unwrap().id;
        let b = src.next_frame().unwrap().id;
        assert_eq!(b, a + 1);
    }

    #[test]
    fn paces_frames_at_the_requested_rate() {
        let dir = folder_with(1);
        let mut src = FolderSource::open(dir.path(), 50, 1).unwrap();
        let start = Instant::now();
        for _ in 0..6 {
            src.next_frame().unwrap();
        }
        // Six frames at 50 fps take at least five intervals of 20 ms.
        assert!(start.elapsed() >= Duration::from_millis(100));
    }

    #[test]
    fn an_empty_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = FolderSource::open(dir.path(), 15, 1)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("no .jpg or .png"), "{e}");
    }
}
