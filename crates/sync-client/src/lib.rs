//! The tablet side of sync: enrolment and exactly-once upload of the queue
