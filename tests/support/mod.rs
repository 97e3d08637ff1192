pub mod fake_sources;
pub mod harness;
