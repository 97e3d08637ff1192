//! Chat text -> `command::parse`: any text is a command or a `CommandError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = paperboy::command::parse(&text, &paperboy::command::CommandLimits::default());
});
