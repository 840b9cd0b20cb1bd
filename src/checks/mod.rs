//! Liveness checks: each consumes the per-frame signal stream of one face.

pub mod action;
pub mod passive;
