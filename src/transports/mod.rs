//! The embedded transports: the console and Markdown files. Chat and email transports live
//! in their own adapter modules; all of them implement `delivery::Deliver`.

pub mod console;
pub mod file;
pub mod markdown;
