//! `import::import_file` in-process: formats, gzip, malformed lines, counts on re-import.

use std::io::Write;

use chrono::{DateTime, Utc};
use paperboy::import::{ImportError, ImportReport, import_file};
use paperboy::paper::{Discovery, PaperId};
use paperboy::store::{MergeCounts, Store};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn import(store: &Store, path: &std::path::Path) -> Result<ImportReport, ImportError> {
    import_file(store, path, now(), |file| Box::new(file), |_| {})
}

const GOOD_LINE: &str = r#"{"id": "2503.11677", "title": "Simulation of prosthetic vision", "abstract": "Objective. Patients implanted with the PRIMA photovoltaic subretinal prosthesis.", "authors": ["Jungyeon Park", "Daniel Palanker"], "categories": ["cs.CV", "q-bio.NC"], "published": "2025-03-18T00:00:00Z", "source": "arxiv-listing", "comment": null}"#;

#[test]
fn a_gzipped_hugging_face_array_imports_and_reimports_as_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/hf-daily-papers_month-2023-08_pages.json.gz"
    ));
    let first = import(&store, path).unwrap();
    assert_eq!(first.skipped, 0);
    assert!(first.counts.new > 100, "{first:?}");
    let again = import(&store, path).unwrap();
    assert_eq!(
        again.counts,
        MergeCounts {
            new: 0,
            updated: 0,
            unchanged: first.counts.new + first.counts.updated + first.counts.unchanged
        }
    );
    let any = store.papers().next().unwrap().unwrap();
    assert_eq!(any.discovered_via, Discovery::Import);
    assert!(any.hf.is_some());
}

#[test]
fn jsonl_with_garbage_lines_keeps_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let path = dir.path().join("papers.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(GOOD_LINE.as_bytes()).unwrap();
    file.write_all(b"\nnot json at all\n{\"id\": \"nope\", \"title\": \"x\"}\n\n")
        .unwrap();
    file.write_all(b"{\"id\": \"2503.00001\", \"title\": \"\xff\xfe broken utf-8\"}\n")
        .unwrap();
    file.write_all(GOOD_LINE.replace("2503.11677", "2503.11678").as_bytes())
        .unwrap();
    drop(file);
    let report = import(&store, &path).unwrap();
    assert_eq!(report.counts.new, 2);
    assert_eq!(report.skipped, 3);
    let paper = store
        .paper(&PaperId::parse("2503.11678").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(paper.categories, ["cs.CV", "q-bio.NC"]);
}

#[test]
fn an_unknown_format_is_refused_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let path = dir.path().join("papers.csv");
    std::fs::write(&path, "id,title\n2503.11677,x\n").unwrap();
    let err = import(&store, &path).unwrap_err();
    assert!(matches!(err, ImportError::Format { .. }), "{err}");
    assert!(err.to_string().contains("papers.csv"), "{err}");
    let missing = import(&store, &dir.path().join("absent.jsonl")).unwrap_err();
    assert!(missing.to_string().contains("absent.jsonl"), "{missing}");
}

#[test]
fn an_empty_file_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data")).unwrap();
    let path = dir.path().join("empty.jsonl");
    std::fs::write(&path, "\n  \n").unwrap();
    assert_eq!(import(&store, &path).unwrap(), ImportReport::default());
}
