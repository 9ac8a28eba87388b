//! One frame to one verdict: read it, apply the two-frame rule to OCR-only reads, save accepted
//! tickets with the session, and say so for this frame only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::DynamicImage;
use vrs_ocr::LineConsensus;
use vrs_ticket::{Source, Status, Ticket, Verdict};

use crate::camera::Frame;
use crate::dto::{Consensus, SaveStatus, ScanVerdict, TicketFields, VerdictStatus};
use crate::error::AppResult;
use crate::pipeline::FrameAnalyzer;
use crate::records::{evidence, save_ticket};
use crate::state::AppState;

/// What the reader made of one image.
pub struct FrameRead {
    pub verdict: Verdict,
    /// The OCR line's digits, when it was read.
    pub ocr_digits: Option<String>,
}

/// Reads a ticket image. The app's is `vrs_reader::Reader`; it is shared by scanning and import.
pub trait TicketReader: Send + Sync {
    fn read(&self, image: &DynamicImage) -> AppResult<FrameRead>;
    /// Reads an image file (size limits and decoding errors are the reader's).
    fn read_file(&self, path: &std::path::Path) -> AppResult<FrameRead>;
}

/// Agreeing frames an OCR-only value needs (the rule `LineConsensus` applies).
const OCR_FRAMES_NEEDED: u32 = 2;
/// A ticket not seen for this long is taken to be gone: showing it again is a new scan.
const IN_VIEW_FOR: Duration = Duration::from_secs(3);
const CROP_MAX_WIDTH: u32 = 480;

/// The ticket saved from an earlier frame and still in front of the camera.
struct InView {
    digits: String,
    record_id: String,
    last_seen: Instant,
}

pub struct TicketAnalyzer {
    state: Arc<AppState>,
    reader: Arc<dyn TicketReader>,
    consensus: LineConsensus,
    in_view: Option<InView>,
    run: u64,
}

impl TicketAnalyzer {
    pub fn new(state: Arc<AppState>, reader: Arc<dyn TicketReader>, run: u64) -> Self {
        Self {
            state,
            reader,
            consensus: LineConsensus::new(),
            in_view: None,
            run,
        }
    }

    /// The record saved from this ticket a moment ago, if it is the one still in view.
    fn still_in_view(&mut self, digits: &str) -> Option<String> {
        let seen = self.in_view.as_mut()?;
        if seen.digits == digits && seen.last_seen.elapsed() < IN_VIEW_FOR {
            seen.last_seen = Instant::now();
            return Some(seen.record_id.clone());
        }
        None
    }

    fn accepted(&mut self, ticket: &Ticket, agreed: &[Source]) -> ScanVerdict {
        let fields = TicketFields::from(ticket);
        if let Some(record_id) = self.still_in_view(&fields.digits) {
            let mut v = ScanVerdict::bare(VerdictStatus::Accepted);
            v.already_saved = true;
            v.record_id = Some(record_id);
            v.fields = Some(fields);
            v.agreed = agreed.to_vec();
            return v;
        }
        match save_ticket(&self.state, ticket, evidence(agreed, false, false)) {
            Ok(outcome) => {
                let mut v = ScanVerdict::bare(match outcome.status {
                    SaveStatus::Saved => VerdictStatus::Accepted,
                    SaveStatus::Duplicate => VerdictStatus::Duplicate,
                });
                if let (SaveStatus::Saved, Some(id)) = (outcome.status, &outcome.record_id) {
                    self.in_view = Some(InView {
                        digits: fields.digits.clone(),
                        record_id: id.clone(),
                        last_seen: Instant::now(),
                    });
                }
                v.record_id = outcome.record_id;
                v.duplicate_of = outcome.duplicate_of;
                v.fields = Some(fields);
                v.agreed = agreed.to_vec();
                v
            }
            Err(e) => {
                let mut v = ScanVerdict::bare(VerdictStatus::Error);
                v.fields = Some(fields);
                v.reason = Some(e.to_string());
                v
            }
        }
    }

    fn ocr_only(&mut self, ticket: &Ticket, read: &FrameRead, frame: &Frame) -> ScanVerdict {
        let digits = ticket.digits();
        if let Some(record_id) = self.still_in_view(&digits) {
            // The codes were read on an earlier frame of this same ticket: it is saved.
            let mut v = ScanVerdict::bare(VerdictStatus::Accepted);
            v.already_saved = true;
            v.record_id = Some(record_id);
            v.fields = Some(TicketFields::from(ticket));
            v.agreed = vec![Source::Ocr];
            return v;
        }
        let offered = self.consensus.observe(Some(&digits));
        if offered.as_deref() != Some(digits.as_str()) {
            let mut v = ScanVerdict::bare(VerdictStatus::Pending);
            v.consensus = Some(Consensus {
                seen: 1,
                needed: OCR_FRAMES_NEEDED,
            });
            return v;
        }
        self.state
            .remember_unconfirmed(self.run, frame.id, digits.clone());
        let mut v = ScanVerdict::bare(VerdictStatus::Unconfirmed);
        v.fields = Some(TicketFields::from(ticket));
        v.agreed = vec![Source::Ocr];
        v.reason.clone_from(&read.verdict.reason);
        v.consensus = Some(Consensus {
            seen: OCR_FRAMES_NEEDED,
            needed: OCR_FRAMES_NEEDED,
        });
        v.crop_jpeg = guide_crop_jpeg(&frame.image);
        v
    }

    fn decide(&mut self, read: &FrameRead, frame: &Frame) -> ScanVerdict {
        let verdict = &read.verdict;
        match (verdict.status, &verdict.ticket) {
            (Status::Accepted, Some(ticket)) => {
                self.consensus.reset();
                self.accepted(ticket, &verdict.agreed)
            }
            // OCR alone, or OCR with a 10-digit NW-7 code that confirms only the ticket number:
            // offered only after two frames agree.
            (Status::Unconfirmed, Some(ticket)) if verdict.agreed.contains(&Source::Ocr) => {
                self.ocr_only(ticket, read, frame)
            }
            (Status::Unconfirmed, Some(ticket)) => {
                // A full NW-7 code alone: the operator confirms it as it stands.
                self.consensus.observe(read.ocr_digits.as_deref());
                self.state
                    .remember_unconfirmed(self.run, frame.id, ticket.digits());
                let mut v = ScanVerdict::bare(VerdictStatus::Unconfirmed);
                v.fields = Some(TicketFields::from(ticket));
                v.agreed.clone_from(&verdict.agreed);
                v.reason.clone_from(&verdict.reason);
                v
            }
            (status, _) => {
                self.consensus.observe(None);
                let mut v = ScanVerdict::bare(match status {
                    Status::Mismatch => VerdictStatus::Mismatch,
                    Status::Invalid => VerdictStatus::Invalid,
                    _ => VerdictStatus::Unreadable,
                });
                v.reason.clone_from(&verdict.reason);
                v.differences.clone_from(&verdict.differences);
                v.agreed.clone_from(&verdict.agreed);
                v
            }
        }
    }
}

impl FrameAnalyzer for TicketAnalyzer {
    fn analyze(&mut self, frame: &Frame) -> ScanVerdict {
        match self.reader.read(&frame.image) {
            Ok(read) => self.decide(&read, frame),
            Err(e) => {
                let mut v = ScanVerdict::bare(VerdictStatus::Error);
                v.reason = Some(e.to_string());
                v
            }
        }
    }
}

/// The part of the frame inside the UI's guide frame, small, as base64 JPEG: what the operator
/// compares the digits with. (The reader does not say where the line was.)
fn guide_crop_jpeg(image: &DynamicImage) -> Option<String> {
    use base64::Engine as _;
    let (w, h) = (image.width(), image.height());
    let crop = image.crop_imm(w / 10, h * 18 / 100, w * 8 / 10, h * 64 / 100);
    let crop = if crop.width() > CROP_MAX_WIDTH {
        crop.resize(
            CROP_MAX_WIDTH,
            u32::MAX,
            image::imageops::FilterType::Triangle,
        )
    } else {
        crop
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 80)
        .encode_image(&crop.to_rgb8())
        .ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}
