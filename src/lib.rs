//! paperboy: a paper-alert daemon. See ARCHITECTURE.md for the map.

pub mod backfill;
pub mod bundled;
pub mod clock;
pub mod command;
pub mod config;
pub mod daemon;
pub mod delivery;
pub mod digest;
pub mod feeds;
pub mod fetch;
pub mod health;
pub mod import;
pub mod ingest;
pub mod matching;
pub mod outbox;
pub mod paper;
pub mod reply;
pub mod schedule;
pub mod shutdown;
pub mod sources;
pub mod status;
pub mod store;
pub mod subscriber;
pub mod text;
pub mod transports;
