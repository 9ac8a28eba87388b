//! Live mode: an OCR-only value is offered for confirmation only once two frames agree.

use std::collections::VecDeque;

/// Reads kept for voting: enough to bridge one misread frame between two good ones.
const WINDOW: usize = 4;
/// Frames in a row without a read after which the ticket is taken to be gone.
const MAX_EMPTY_FRAMES: usize = 5;
/// Agreeing frames needed before a value is offered.
const AGREEING_FRAMES: usize = 2;

/// Feed it each frame's OCR read (or `None` when the frame had no confident line); it offers a
/// value once the latest read has been seen in at least two frames of the recent window. A
/// different ticket's value must itself reach two frames before it is offered, and a run of
/// empty frames (ticket taken away) or [`LineConsensus::reset`] forgets everything.
#[derive(Debug, Default, Clone)]
pub struct LineConsensus {
    recent: VecDeque<String>,
    empty_run: usize,
}

impl LineConsensus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Record one frame's read; returns the value to offer for confirmation, if any.
    pub fn observe(&mut self, digits: Option<&str>) -> Option<String> {
        let Some(digits) = digits else {
            self.empty_run += 1;
            if self.empty_run >= MAX_EMPTY_FRAMES {
                self.reset();
            }
            return None;
        };
        self.empty_run = 0;
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(digits.to_owned());
        self.offered()
    }

    /// The value currently offered: the latest read, when it occurs at least twice in the window.
    pub fn offered(&self) -> Option<String> {
        let latest = self.recent.back()?;
        let votes = self.recent.iter().filter(|v| *v == latest).count();
        (votes >= AGREEING_FRAMES).then(|| latest.clone())
    }

    /// Forget all reads, e.g. when the app knows a new ticket is being shown.
    pub fn reset(&mut self) {
        self.recent.clear();
        self.empty_run = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "110123450000000001";
    const B: &str = "110123450000000002";

    #[test]
    fn one_frame_is_not_enough_two_are() {
        let mut c = LineConsensus::new();
        assert_eq!(c.observe(Some(A)), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
    }

    #[test]
    fn a_single_misread_between_good_frames_is_bridged_but_never_offered() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        assert_eq!(c.observe(Some(B)), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
    }

    #[test]
    fn a_new_ticket_needs_its_own_two_frames() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        c.observe(Some(A));
        assert_eq!(c.observe(Some(B)), None);
        assert_eq!(c.observe(Some(B)).as_deref(), Some(B));
    }

    #[test]
    fn empty_frames_do_not_vote_and_a_long_gap_resets() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        assert_eq!(c.observe(None), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
        for _ in 0..MAX_EMPTY_FRAMES {
            c.observe(None);
        }
        assert_eq!(c.observe(Some(A)), None);
    }

    #[test]
    fn reset_forgets() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        c.reset();
        assert_eq!(c.observe(Some(A)), None);
    }
}
