//! paperboy: a paper-alert daemon. See ARCHITECTURE.md for the map.

pub mod feeds;
pub mod fetch;
pub mod paper;
pub mod text;
