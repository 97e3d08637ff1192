//! arXiv API Atom pages -> `feeds::arxiv_api::parse`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paperboy::feeds::arxiv_api::parse(data);
});
