//! arXiv RSS / Atom announcement feeds -> `feeds::arxiv_feed::parse`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paperboy::feeds::arxiv_feed::parse(data);
});
