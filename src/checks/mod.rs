//! Liveness checks: each consumes the per-frame signal stream of one face.

pub mod action;
pub mod cues;
pub mod passive;
pub mod silent;
