//! Live mode: an OCR-only value is offered for confirmation only once two frames agree.

/// Frames in a row without a read after which the ticket is taken to be gone.
const MAX_EMPTY_FRAMES: usize = 5;
/// Frames reading the same value, with no different value between them, before it is offered.
const AGREEING_FRAMES: usize = 2;

/// Feed it each frame's OCR read (or `None` when the frame had no confident line); it offers a
/// value once at least two frames have read it with no other value read in between. A
/// different value starts the count again from one, so a misread is never offered unless it
/// repeats; frames without a read neither count nor break the run, but a long run of them
/// (the ticket taken away) or [`LineConsensus::reset`] forgets everything.
#[derive(Debug, Default, Clone)]
pub struct LineConsensus {
    current: Option<String>,
    agreeing: usize,
    empty_run: usize,
}

impl LineConsensus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Record one frame's read; returns the value to offer for confirmation, if any.
    pub fn observe(&mut self, digits: Option<&str>) -> Option<String> {
        match digits {
            None => {
                self.empty_run += 1;
                if self.empty_run >= MAX_EMPTY_FRAMES {
                    self.reset();
                }
            }
            Some(digits) => {
                self.empty_run = 0;
                if self.current.as_deref() == Some(digits) {
                    self.agreeing += 1;
                } else {
                    self.current = Some(digits.to_owned());
                    self.agreeing = 1;
                }
            }
        }
        self.offered()
    }

    /// The value currently offered, if the latest value has been read in enough frames.
    pub fn offered(&self) -> Option<String> {
        self.current
            .clone()
            .filter(|_| self.agreeing >= AGREEING_FRAMES)
    }

    /// Forget all reads, e.g. when the app knows a new ticket is being shown.
    pub fn reset(&mut self) {
        *self = Self::default();
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
        assert_eq!(c.offered(), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
    }

    #[test]
    fn a_different_value_starts_again() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        assert_eq!(c.observe(Some(B)), None);
        // A misread between two reads of A breaks the run: A needs two frames again.
        assert_eq!(c.observe(Some(A)), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
    }

    #[test]
    fn an_offered_value_is_withdrawn_when_another_is_read() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
        assert_eq!(c.observe(Some(B)), None);
        assert_eq!(c.offered(), None);
        assert_eq!(c.observe(Some(B)).as_deref(), Some(B));
    }

    #[test]
    fn empty_frames_neither_count_nor_break_a_run_but_a_long_gap_resets() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        assert_eq!(c.observe(None), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
        assert_eq!(
            c.observe(None).as_deref(),
            Some(A),
            "a blurred frame keeps the offer"
        );
        for _ in 0..MAX_EMPTY_FRAMES {
            c.observe(None);
        }
        assert_eq!(c.offered(), None);
        assert_eq!(c.observe(Some(A)), None);
    }

    #[test]
    fn reset_forgets() {
        let mut c = LineConsensus::new();
        c.observe(Some(A));
        c.reset();
        assert_eq!(c.observe(Some(A)), None);
        assert_eq!(c.observe(Some(A)).as_deref(), Some(A));
    }
}
