//! Follow text -> `query::parse::parse_query`: a tree or a pointed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = paperboy::query::parse::parse_query(
        &text,
        &paperboy::query::parse::QueryLimits::default(),
    );
});
