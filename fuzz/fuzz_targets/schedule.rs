//! Schedule text -> `schedule::parse`: a schedule or a `ScheduleError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = paperboy::schedule::parse(&text);
});
