//! The tablet's encrypted local record queue
