pub mod fake_discord;
pub mod fake_sources;
pub mod fake_telegram;
pub mod fixtures;
pub mod harness;
pub mod smtp_server;
pub mod tripwire;
pub mod web_daemon;
