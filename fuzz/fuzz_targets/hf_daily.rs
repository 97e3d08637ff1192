//! Hugging Face Daily Papers JSON -> `feeds::hf_daily::parse`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paperboy::feeds::hf_daily::parse(data);
});
