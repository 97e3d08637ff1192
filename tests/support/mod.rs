pub mod fake_sources;
