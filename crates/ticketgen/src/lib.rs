//! Synthetic vaccination tickets, rendered and photographed, deterministic from a seed
