//! `cargo bench --bench fuzz`: a stable-Rust mutation fuzzer over the parsers that read
//! untrusted input, for machines without the nightly toolchain cargo-fuzz needs. It runs the
//! same target functions as `fuzz/fuzz_targets/*.rs`.
//!
//! Each target gets a corpus seeded from `tests/data/` (whole documents and, for the large
//! Hugging Face files, each paper as a one-item document) or from grammar tokens (commands,
//! follows, schedules). Every execution picks a corpus entry and applies one to four seeded
//! mutations: byte flips, byte and token insertions, deletions, truncations, duplications and
//! splices with another entry. Without coverage feedback the corpus stays as seeded and the
//! mutations do the exploring; cargo-fuzz adds the feedback where nightly exists. Each call runs under `catch_unwind`; a panic is counted and its input written
//! to `target/fuzz-crashes/<target>-<n>.bin`.
//!
//! `PAPERBOY_FUZZ_EXECS` sets the executions per target (default 1,000,000),
//! `PAPERBOY_FUZZ_SEED` the seed (default 9), `PAPERBOY_FUZZ_ONLY` one target by name.
//! Results go in `RELIABILITY.md`. It exits 1 when any target panicked.
//!
//! `PAPERBOY_FUZZ_EXPORT=<dir>` writes the seeds and tokens instead of fuzzing, for
//! cargo-fuzz: `<dir>/<target>/seed-<n>` and a libFuzzer dictionary `<dir>/<target>.dict`.

use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

use paperboy::command::CommandLimits;
use paperboy::query::parse::QueryLimits;

/// Mutated inputs longer than this are cut: the seeds are at most a few kilobytes except
/// the whole-document Hugging Face seeds, and long inputs only slow the run down.
const MAX_INPUT_BYTES: usize = 64 * 1024;

struct Target {
    name: &'static str,
    run: fn(&[u8]),
    seeds: Vec<Vec<u8>>,
    /// Grammar tokens spliced in as well as random bytes.
    tokens: Vec<&'static [u8]>,
}

fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn run_command(bytes: &[u8]) {
    let _ = paperboy::command::parse(&text(bytes), &CommandLimits::default());
}

fn run_query(bytes: &[u8]) {
    let _ = paperboy::query::parse::parse_query(&text(bytes), &QueryLimits::default());
}

fn run_schedule(bytes: &[u8]) {
    let _ = paperboy::schedule::parse(&text(bytes));
}

fn run_hf_daily(bytes: &[u8]) {
    let _ = paperboy::feeds::hf_daily::parse(bytes);
}

fn run_arxiv_feed(bytes: &[u8]) {
    let _ = paperboy::feeds::arxiv_feed::parse(bytes);
}

fn run_arxiv_api(bytes: &[u8]) {
    let _ = paperboy::feeds::arxiv_api::parse(bytes);
}

const QUERY_TOKENS: &[&[u8]] = &[
    b"OR",
    b"AND",
    b"NOT",
    b"-",
    b"(",
    b")",
    b"\"",
    b"title:",
    b"abstract:",
    b"author:",
    b"cat:",
    b"category:",
    b"id:",
    b"transformer",
    b"large language models",
    b"cs.LG",
    b"\xc3\xa9",
    b"\\'e",
    b"$x^2$",
    b"\xef\xac\x81",
    b"self-supervised",
    b" ",
    b"  ",
    b"::",
    b"\xe2\x80\x9c",
    b"\xe2\x80\x9d",
    b"\x00",
    b"\n",
];

const COMMAND_TOKENS: &[&[u8]] = &[
    b"/follow",
    b"/unfollow",
    b"/follows",
    b"/schedule",
    b"/help",
    b"/preview",
    b"/why",
    b"/related",
    b"/search",
    b"/start",
    b"/pause",
    b"/resume",
    b"/digest",
    b"/mode",
    b"/settings",
    b"/timezone",
    b"/trending",
    b"@paperboy_bot",
    b"/",
    b"1",
    b"0",
    b"-1",
    b"99999999999999999999",
    b"2401.00001",
    b"2401.00001v2",
    b"hep-th/9901001",
    b"https://arxiv.org/abs/2401.00001",
    b"Europe/Berlin",
    b"daily 08:00",
    b"off",
    b"full",
    b"brief",
    b" ",
    b"\n",
    b"\xe2\x80\x94",
];

const SCHEDULE_TOKENS: &[&[u8]] = &[
    b"daily",
    b"weekdays",
    b"weekly",
    b"every",
    b"day",
    b"weekday",
    b"monday",
    b"mon",
    b"sun",
    b"at",
    b"off",
    b"08:00",
    b"7:30",
    b"5:30pm",
    b"12am",
    b"24:00",
    b"23:59",
    b"*",
    b"*/5",
    b"1-5",
    b"0",
    b"7",
    b"31",
    b"2",
    b"29",
    b"L",
    b"#",
    b"?",
    b",",
    b"/",
    b"-",
    b"JAN",
    b"FRI",
    b" ",
    b"99999999999",
];

const XML_TOKENS: &[&[u8]] = &[
    b"<entry>",
    b"</entry>",
    b"<item>",
    b"</item>",
    b"<title>",
    b"</title>",
    b"<id>",
    b"</id>",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&lt;",
    b"&#0;",
    b"&#x10FFFF;",
    b"&bogus;",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"<!-- -->",
    b"<?xml version=\"1.0\"?>",
    b"xmlns=\"http://www.w3.org/2005/Atom\"",
    b"http://arxiv.org/abs/2401.00001v1",
    b"Announce Type: new",
    b"arXiv:2401.00001v1",
    b"<dc:creator>",
    b"</dc:creator>",
    b"<opensearch:totalResults>",
    b"</opensearch:totalResults>",
    b"<arxiv:primary_category term=\"cs.LG\"/>",
];

const JSON_TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"paper\"",
    b"\"id\"",
    b"\"title\"",
    b"\"summary\"",
    b"\"authors\"",
    b"\"publishedAt\"",
    b"\"2026-06-12T00:00:00.000Z\"",
    b"\"2401.00001\"",
    b"\"ai_keywords\"",
    b"\"upvotes\"",
    b"18446744073709551616",
];

fn main() {
    let executions: u64 = env_number("PAPERBOY_FUZZ_EXECS", 1_000_000);
    let seed: u64 = env_number("PAPERBOY_FUZZ_SEED", 9);
    let only = std::env::var("PAPERBOY_FUZZ_ONLY").ok();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let crash_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");

    let targets = match targets(&data) {
        Ok(targets) => targets,
        Err(error) => {
            eprintln!("cannot read the seed corpus in {}: {error}", data.display());
            std::process::exit(2);
        }
    };
    if let Some(dir) = std::env::var_os("PAPERBOY_FUZZ_EXPORT") {
        if let Err(error) = export(&targets, Path::new(&dir)) {
            eprintln!("cannot export the seeds to {}: {error}", dir.display());
            std::process::exit(2);
        }
        println!("seeds and dictionaries written to {}", dir.display());
        return;
    }

    // A panic's message is recorded by the hook, not printed, so a run prints one line per
    // target; the first message per target is shown in the summary.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let hook_slot = last_panic.clone();
    panic::set_hook(Box::new(move |info| {
        if let Ok(mut slot) = hook_slot.lock() {
            *slot = Some(info.to_string());
        }
    }));

    println!("seed {seed}, {executions} executions per target");
    println!(
        "{:<12} {:>6} {:>12} {:>9} {:>12} {:>8}",
        "target", "seeds", "executions", "time", "execs/s", "panics"
    );
    let mut any_panic = false;
    for target in &targets {
        if only.as_deref().is_some_and(|only| only != target.name) {
            continue;
        }
        let mut rng = fastrand::Rng::with_seed(seed ^ hash(target.name));
        let mut panics = 0u64;
        let mut first_message = None;
        let started = Instant::now();
        let mut input = Vec::with_capacity(MAX_INPUT_BYTES);
        for _ in 0..executions {
            mutate_into(&mut input, target, &mut rng);
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
            if outcome.is_err() {
                panics += 1;
                let path = crash_dir.join(format!("{}-{panics}.bin", target.name));
                let _ = std::fs::create_dir_all(&crash_dir);
                let _ = std::fs::write(&path, &input);
                if first_message.is_none() {
                    first_message = last_panic.lock().ok().and_then(|mut slot| slot.take());
                    first_message = Some(format!(
                        "{} (input in {})",
                        first_message.unwrap_or_default(),
                        path.display()
                    ));
                }
            }
        }
        let elapsed = started.elapsed();
        println!(
            "{:<12} {:>6} {:>12} {:>8.1}s {:>12.0} {:>8}",
            target.name,
            target.seeds.len(),
            executions,
            elapsed.as_secs_f64(),
            executions as f64 / elapsed.as_secs_f64(),
            panics
        );
        if let Some(message) = first_message {
            println!("  first panic: {message}");
            any_panic = true;
        }
    }
    if any_panic {
        std::process::exit(1);
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// FNV-1a, so each target's stream differs for one seed.
fn hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes every target's seeds and a libFuzzer dictionary of its tokens under `dir`.
fn export(targets: &[Target], dir: &Path) -> std::io::Result<()> {
    for target in targets {
        let seeds = dir.join(target.name);
        std::fs::create_dir_all(&seeds)?;
        for (n, seed) in target.seeds.iter().enumerate() {
            std::fs::write(seeds.join(format!("seed-{n}")), seed)?;
        }
        // libFuzzer's format: one quoted token per line, other bytes as \xNN.
        let mut dict = String::new();
        for token in &target.tokens {
            dict.push('"');
            for &byte in *token {
                match byte {
                    b'"' | b'\\' => dict.push_str(&format!("\\x{byte:02X}")),
                    0x20..=0x7e => dict.push(byte as char),
                    other => dict.push_str(&format!("\\x{other:02X}")),
                }
            }
            dict.push_str("\"\n");
        }
        std::fs::write(dir.join(format!("{}.dict", target.name)), dict)?;
    }
    Ok(())
}

fn targets(data: &Path) -> std::io::Result<Vec<Target>> {
    let file = |name: &str| std::fs::read(data.join(name));
    let mut hf_seeds = Vec::new();
    let day = file("hf-daily-papers_date-2026-06-12.json")?;
    let mut month = Vec::new();
    flate2::read::GzDecoder::new(&file("hf-daily-papers_month-2023-08_pages.json.gz")?[..])
        .read_to_end(&mut month)?;
    for document in [&day, &month] {
        hf_seeds.extend(one_item_documents(document));
    }
    hf_seeds.push(day);
    hf_seeds.push(b"[]".to_vec());

    let feed_seeds = vec![
        file("arxiv-atom-feed_cs.LG_2026-09-25_trimmed.xml")?,
        file("arxiv-rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_trimmed.xml")?,
    ];
    let api_seeds = vec![
        file("arxiv-api-query_all-transformer-AND-cat-cs.LG_max5.xml")?,
        file("arxiv-api-query_cat-cs.CL_max3.xml")?,
    ];
    let lines = |lines: &[&str]| lines.iter().map(|line| line.as_bytes().to_vec()).collect();
    Ok(vec![
        Target {
            name: "command",
            run: run_command,
            seeds: lines(&[
                "/follow transformer OR \"state space\" -vision",
                "/unfollow 2",
                "/schedule weekdays 7:30",
                "/timezone Europe/Berlin",
                "/why 2401.00001",
                "/related 2401.00001v2",
                "/search diffusion policy",
                "/preview title:(graph neural) author:smith",
                "/help follow",
                "follow cat:cs.LG",
                "/mode brief",
            ]),
            tokens: [COMMAND_TOKENS, QUERY_TOKENS].concat(),
        },
        Target {
            name: "query",
            run: run_query,
            seeds: lines(&[
                "transformer",
                "\"large language model\" -survey",
                "title:(diffusion OR flow) author:ho",
                "NOT (a OR b) c",
                "cat:cs.LG abstract:\"in-context learning\"",
                "Schrödinger \\\"{o} $\\alpha$-divergence",
            ]),
            tokens: QUERY_TOKENS.to_vec(),
        },
        Target {
            name: "schedule",
            run: run_schedule,
            seeds: lines(&[
                "daily 08:00",
                "weekdays 7:30",
                "weekly mon 09:00",
                "every monday 6:30pm",
                "0 8 * * 1-5",
                "30 2 * * 0",
                "off",
            ]),
            tokens: SCHEDULE_TOKENS.to_vec(),
        },
        Target {
            name: "hf_daily",
            run: run_hf_daily,
            seeds: hf_seeds,
            tokens: JSON_TOKENS.to_vec(),
        },
        Target {
            name: "arxiv_feed",
            run: run_arxiv_feed,
            seeds: feed_seeds,
            tokens: XML_TOKENS.to_vec(),
        },
        Target {
            name: "arxiv_api",
            run: run_arxiv_api,
            seeds: api_seeds,
            tokens: XML_TOKENS.to_vec(),
        },
    ])
}

/// Each item of a JSON array (or of the arrays of pages in the month file) as its own
/// one-item array: small documents keep executions fast and still hit every field.
fn one_item_documents(document: &[u8]) -> Vec<Vec<u8>> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(document) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    collect_items(&value, &mut items);
    items
        .into_iter()
        .filter_map(|item| serde_json::to_vec(&[item]).ok())
        .collect()
}

fn collect_items(value: &serde_json::Value, items: &mut Vec<serde_json::Value>) {
    match value {
        serde_json::Value::Array(array) => {
            for item in array {
                if item.get("paper").is_some() {
                    items.push(item.clone());
                } else {
                    collect_items(item, items);
                }
            }
        }
        serde_json::Value::Object(object) => {
            for item in object.values() {
                collect_items(item, items);
            }
        }
        _ => {}
    }
}

fn mutate_into(input: &mut Vec<u8>, target: &Target, rng: &mut fastrand::Rng) {
    input.clear();
    input.extend_from_slice(&target.seeds[rng.usize(..target.seeds.len())]);
    for _ in 0..rng.usize(1..=4) {
        mutate(input, target, rng);
    }
    input.truncate(MAX_INPUT_BYTES);
}

fn mutate(input: &mut Vec<u8>, target: &Target, rng: &mut fastrand::Rng) {
    let at = |rng: &mut fastrand::Rng, input: &Vec<u8>| rng.usize(..=input.len());
    match rng.u8(..9) {
        // Flip one bit.
        0 if !input.is_empty() => {
            let i = rng.usize(..input.len());
            input[i] ^= 1 << rng.u8(..8);
        }
        // Replace a byte with an interesting one.
        1 if !input.is_empty() => {
            let i = rng.usize(..input.len());
            input[i] = *rng
                .choice(&[
                    0u8, 0x7f, 0x80, 0xc3, 0xe2, 0xf0, 0xff, b'<', b'&', b'"', b'\\',
                ])
                .unwrap_or(&0);
        }
        // Insert a grammar token.
        2 | 3 => {
            let token = target.tokens[rng.usize(..target.tokens.len())];
            let i = at(rng, input);
            input.splice(i..i, token.iter().copied());
        }
        // Delete a range.
        4 if !input.is_empty() => {
            let start = rng.usize(..input.len());
            let end = (start + rng.usize(1..=64)).min(input.len());
            input.drain(start..end);
        }
        // Truncate.
        5 => {
            let end = at(rng, input);
            input.truncate(end);
        }
        // Duplicate a range in place (repetition, deep nesting).
        6 if !input.is_empty() => {
            let start = rng.usize(..input.len());
            let end = (start + rng.usize(1..=256)).min(input.len());
            let copy: Vec<u8> = input[start..end].to_vec();
            for _ in 0..rng.usize(1..=8) {
                input.splice(end..end, copy.iter().copied());
            }
        }
        // Splice with another seed: this one's head, that one's tail.
        7 => {
            let other = &target.seeds[rng.usize(..target.seeds.len())];
            let cut = at(rng, input);
            let from = rng.usize(..=other.len());
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        // Random bytes.
        _ => {
            let i = at(rng, input);
            let count = rng.usize(1..=16);
            let bytes: Vec<u8> = (0..count).map(|_| rng.u8(..)).collect();
            input.splice(i..i, bytes);
        }
    }
}
