//! `paperboy import FILE`: bulk-loads papers from a JSONL file of normalized papers (the
//! format of paperboy's data exports and the shared corpora) or a raw Hugging Face Daily
//! Papers JSON array, gzip-compressed or not.
//!
//! Reading and parsing run on one thread while the store merges on another, so a large
//! import uses both cores. Each batch is merged atomically and flushed before it is
//! reported as committed, so a killed import keeps everything it reported.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::{DateTime, Utc};

use crate::feeds;
use crate::paper::{Discovery, PaperObservation};
use crate::store::{MergeCounts, Store, StoreError};

/// Papers merged and flushed together.
const BATCH_SIZE: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{path} is neither JSON Lines of papers nor a Hugging Face Daily Papers JSON array: {reason}"
    )]
    Format { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub counts: MergeCounts,
    /// Lines (or array items) that were malformed and skipped.
    pub skipped: usize,
}

/// Imports `path` into the store. `reader_progress` wraps the raw file reader (for a
/// progress bar); `on_commit` is called after each batch is durable.
pub fn import_file(
    store: &Store,
    path: &Path,
    now: DateTime<Utc>,
    wrap_reader: impl FnOnce(File) -> Box<dyn Read + Send>,
    mut on_commit: impl FnMut(&ImportReport),
) -> Result<ImportReport, ImportError> {
    let read_error = |error| ImportError::Read {
        path: path.to_owned(),
        error,
    };
    let file = File::open(path).map_err(read_error)?;
    let mut reader = BufReader::with_capacity(1 << 20, wrap_reader(file));
    let gzip = reader
        .fill_buf()
        .map_err(read_error)?
        .starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    };
    let first = first_non_whitespace(&mut reader).map_err(read_error)?;

    let mut report = ImportReport::default();
    match first {
        None => Ok(report),
        Some(b'[') => {
            // A Daily Papers response: one JSON document.
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(read_error)?;
            let batch = feeds::hf_daily::parse(&bytes).map_err(|err| ImportError::Format {
                path: path.to_owned(),
                reason: err.to_string(),
            })?;
            log_skipped(path, &batch.skipped);
            report.skipped = batch.skipped.len();
            for chunk in batch.papers.chunks(BATCH_SIZE) {
                report
                    .counts
                    .add(store.merge_observations(chunk, Discovery::Import, now)?);
                store.flush()?;
                on_commit(&report);
            }
            Ok(report)
        }
        Some(b'{') => {
            import_jsonl(store, path, reader, now, &mut report, &mut on_commit).map(|()| report)
        }
        Some(other) => Err(ImportError::Format {
            path: path.to_owned(),
            reason: format!("it starts with {:?}", char::from(other)),
        }),
    }
}

fn import_jsonl(
    store: &Store,
    path: &Path,
    reader: Box<dyn BufRead + Send>,
    now: DateTime<Utc>,
    report: &mut ImportReport,
    on_commit: &mut impl FnMut(&ImportReport),
) -> Result<(), ImportError> {
    // A small bound keeps memory flat: the parser waits when the store falls behind.
    let (batches, received) = mpsc::sync_channel::<ParsedLines>(2);
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || parse_lines(reader, batches));
        let mut store_result = Ok(());
        for parsed in received.iter() {
            log_skipped(path, &parsed.skipped);
            report.skipped += parsed.skipped.len();
            let merged = store
                .merge_observations(&parsed.papers, Discovery::Import, now)
                .and_then(|counts| store.flush().map(|()| counts));
            match merged {
                Ok(counts) => {
                    report.counts.add(counts);
                    on_commit(report);
                }
                Err(err) => {
                    // Dropping the receiver stops the parser at its next send.
                    store_result = Err(ImportError::Store(err));
                    break;
                }
            }
        }
        drop(received);
        let parse_result = parser
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the parser thread panicked")));
        store_result?;
        parse_result.map_err(|error| ImportError::Read {
            path: path.to_owned(),
            error,
        })
    })
}

struct ParsedLines {
    papers: Vec<PaperObservation>,
    skipped: Vec<feeds::SkippedEntry>,
}

fn parse_lines(
    mut reader: Box<dyn BufRead + Send>,
    batches: mpsc::SyncSender<ParsedLines>,
) -> std::io::Result<()> {
    let mut line = String::new();
    let mut line_number = 0;
    let mut current = ParsedLines {
        papers: Vec::with_capacity(BATCH_SIZE),
        skipped: Vec::new(),
    };
    loop {
        line.clear();
        let read = match reader.read_line(&mut line) {
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                // A line that is not UTF-8: skip it, keep the rest.
                line_number += 1;
                current.skipped.push(feeds::SkippedEntry {
                    position: line_number,
                    id: None,
                    reason: "not valid UTF-8".into(),
                });
                // read_line has consumed the bad line already.
                continue;
            }
            Err(err) => return Err(err),
        };
        if read == 0 {
            break;
        }
        line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        match feeds::jsonl::parse_line(&line) {
            Ok(paper) => current.papers.push(paper),
            Err(reason) => current.skipped.push(feeds::SkippedEntry {
                position: line_number,
                id: None,
                reason,
            }),
        }
        if current.papers.len() >= BATCH_SIZE {
            let full = std::mem::replace(
                &mut current,
                ParsedLines {
                    papers: Vec::with_capacity(BATCH_SIZE),
                    skipped: Vec::new(),
                },
            );
            if batches.send(full).is_err() {
                return Ok(());
            }
        }
    }
    if !current.papers.is_empty() || !current.skipped.is_empty() {
        let _ = batches.send(current);
    }
    Ok(())
}

fn first_non_whitespace(reader: &mut dyn BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(pos) => {
                let byte = buf[pos];
                reader.consume(pos);
                return Ok(Some(byte));
            }
            None => {
                let len = buf.len();
                reader.consume(len);
            }
        }
    }
}

fn log_skipped(path: &Path, skipped: &[feeds::SkippedEntry]) {
    for entry in skipped {
        tracing::warn!(
            file = %path.display(),
            position = entry.position,
            id = entry.id.as_deref().unwrap_or("-"),
            reason = %entry.reason,
            "skipped malformed entry"
        );
    }
}

/// Reads a JSONL corpus (gzip-compressed or not) into paper records without touching the
/// store, for `paperboy preview --corpus` and evaluation runs. Malformed lines are skipped
/// and counted.
pub fn read_corpus(
    path: &Path,
    now: DateTime<Utc>,
) -> Result<(Vec<crate::paper::Paper>, usize), ImportError> {
    let read_error = |error| ImportError::Read {
        path: path.to_owned(),
        error,
    };
    let reader = open_lines(path)?;
    let mut papers = Vec::new();
    let mut skipped = 0;
    for line in reader.lines() {
        let line = match line {
            Ok(line) => line,
            Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                skipped += 1;
                continue;
            }
            Err(err) => return Err(read_error(err)),
        };
        if line.trim().is_empty() {
            continue;
        }
        match feeds::jsonl::parse_line(&line) {
            Ok(observation) => {
                let at = observation.submitted_at.unwrap_or(now);
                if let crate::paper::MergeOutcome::New(paper) =
                    crate::paper::merge(None, &observation, Discovery::Import, at)
                {
                    papers.push(paper);
                }
            }
            Err(_) => skipped += 1,
        }
    }
    Ok((papers, skipped))
}

/// A file's lines, gunzipped when it starts with the gzip magic bytes.
fn open_lines(path: &Path) -> Result<Box<dyn BufRead>, ImportError> {
    let read_error = |error| ImportError::Read {
        path: path.to_owned(),
        error,
    };
    let file = File::open(path).map_err(read_error)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let gzip = reader
        .fill_buf()
        .map_err(read_error)?
        .starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    })
}

/// One paper's text from a JSONL corpus, its id kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusText {
    pub id: String,
    pub title: String,
    pub abstract_text: String,
}

#[derive(serde::Deserialize)]
struct CorpusLine {
    id: String,
    title: String,
    #[serde(rename = "abstract", default)]
    abstract_text: Option<String>,
}

/// Reads `id`, `title` and `abstract` from every line of a JSONL corpus (gzip-compressed or
/// not) for `paperboy related --corpus`. Ids are opaque strings, so corpora that are not
/// from arXiv work too; a line without a string id or title is skipped and counted, and a
/// repeated id keeps its last line.
pub fn read_text_corpus(path: &Path) -> Result<(Vec<CorpusText>, usize), ImportError> {
    let reader = open_lines(path)?;
    let mut papers: Vec<CorpusText> = Vec::new();
    let mut position: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut skipped = 0;
    for line in reader.lines() {
        let line = match line {
            Ok(line) => line,
            Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                skipped += 1;
                continue;
            }
            Err(error) => {
                return Err(ImportError::Read {
                    path: path.to_owned(),
                    error,
                });
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<CorpusLine>(&line).map(|line| CorpusText {
            id: line.id,
            title: line.title,
            abstract_text: line.abstract_text.unwrap_or_default(),
        });
        match parsed {
            Ok(paper) if !paper.id.trim().is_empty() => match position.get(&paper.id) {
                Some(&at) => papers[at] = paper,
                None => {
                    position.insert(paper.id.clone(), papers.len());
                    papers.push(paper);
                }
            },
            _ => skipped += 1,
        }
    }
    Ok((papers, skipped))
}
