//! The sled store in a temp dir: locking, schema versions, atomic batch merges, the
//! stored-time index, and what survives a reopen.

use chrono::{DateTime, Utc};
use paperboy::paper::{AnnounceType, Discovery, PaperId, PaperObservation, SourceKind};
use paperboy::store::{MergeCounts, Store, StoreError, current_schema_version};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn obs(id: &str, version: u32, title: &str) -> PaperObservation {
    PaperObservation {
        version: Some(version),
        title: Some(title.to_owned()),
        abstract_text: Some("An abstract.".into()),
        authors: vec!["Grace Hopper".into()],
        categories: vec!["cs.LG".into()],
        ..PaperObservation::new(PaperId::parse(id).unwrap(), SourceKind::ArxivFeed)
    }
}

fn counts(new: usize, updated: usize, unchanged: usize) -> MergeCounts {
    MergeCounts {
        new,
        updated,
        unchanged,
    }
}

#[test]
fn a_second_open_of_the_same_directory_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    match Store::open(dir.path()) {
        Err(err @ StoreError::Locked { .. }) => {
            let message = err.to_string();
            assert!(
                message.contains(&dir.path().display().to_string()),
                "{message}"
            );
            assert!(message.contains("in use"), "{message}");
        }
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("a second open must be refused"),
    }
    drop(first);
    Store::open(dir.path()).expect("the lock is released with the store");
}

#[test]
fn papers_survive_a_reopen_and_the_schema_is_current() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let merged = store
            .merge_observations(
                &[obs("2601.00001", 1, "Kept")],
                Discovery::Announcement,
                t("2026-01-02T00:00:00Z"),
            )
            .unwrap();
        assert_eq!(merged, counts(1, 0, 0));
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let paper = store
        .paper(&PaperId::parse("2601.00001").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(paper.title, "Kept");
    assert_eq!(
        store.stats().unwrap().schema_version,
        current_schema_version()
    );
}

#[test]
fn an_unreadable_store_is_an_error_naming_its_path_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    // sled expects a directory here; a file in its place must not be "repaired" away.
    std::fs::write(dir.path().join("db"), b"not a database").unwrap();
    let err = Store::open(dir.path()).err().expect("open must fail");
    assert!(
        err.to_string()
            .contains(&dir.path().join("db").display().to_string()),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("db")).unwrap(),
        b"not a database"
    );
}

#[test]
fn one_batch_counts_each_paper_once_and_indexes_only_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let day1 = t("2026-01-02T00:00:00Z");
    let day2 = t("2026-01-03T00:00:00Z");
    // The same paper twice in one batch (v1 then v2) is one new paper.
    let merged = store
        .merge_observations(
            &[
                obs("2601.00001", 1, "One"),
                obs("2601.00001", 2, "One, revised"),
                obs("2601.00002", 1, "Two"),
            ],
            Discovery::Announcement,
            day1,
        )
        .unwrap();
    assert_eq!(merged, counts(2, 0, 0));

    let mut replacement = obs("2601.00002", 2, "Two, revised");
    replacement.announce = Some(AnnounceType::Replace);
    let merged = store
        .merge_observations(
            &[
                replacement,
                obs("2601.00001", 2, "One, revised"),
                obs("2601.00003", 1, "Three"),
            ],
            Discovery::Announcement,
            day2,
        )
        .unwrap();
    assert_eq!(merged, counts(1, 1, 1));

    let ids = |since| -> Vec<String> {
        store
            .papers_stored_since(since)
            .map(|p| p.unwrap().id.to_string())
            .collect()
    };
    assert_eq!(ids(day1), ["2601.00001", "2601.00002", "2601.00003"]);
    assert_eq!(ids(day2), ["2601.00003"]);
    let one = store
        .paper(&PaperId::parse("2601.00001").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!((one.title.as_str(), one.version), ("One, revised", Some(2)));
    assert_eq!(store.stats().unwrap().newest_stored_at, Some(day2));
    assert_eq!(store.stats().unwrap().papers, 3);
}

#[test]
fn source_state_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.source_state::<Vec<u32>>("hf").unwrap(), None);
    store.put_source_state("hf", &vec![1u32, 2, 3]).unwrap();
    assert_eq!(
        store.source_state::<Vec<u32>>("hf").unwrap(),
        Some(vec![1, 2, 3])
    );
    assert_eq!(store.source_names().unwrap(), ["hf"]);
    // A state of the wrong shape is reported as corrupt, not silently defaulted.
    assert!(matches!(
        store.source_state::<String>("hf"),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn the_web_signing_key_is_generated_once_and_kept_across_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let store = Store::open(dir.path()).unwrap();
        let key = store.web_signing_key(|| vec![1; 32]).unwrap();
        assert_eq!(store.web_signing_key(|| vec![2; 32]).unwrap(), key);
        key
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.web_signing_key(|| vec![3; 32]).unwrap(), first);
    assert_eq!(first, vec![1; 32]);
}

#[test]
fn a_pending_subscription_is_taken_once_and_only_with_its_nonce() {
    use paperboy::subscription::PendingSubscription;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let pending = |nonce: &str| PendingSubscription {
        email: "ada@example.org".into(),
        nonce: nonce.into(),
        follows: vec!["diffusion".into()],
        schedule: "daily 08:00".into(),
        time_zone: "UTC".into(),
        requested_at: t("2026-11-25T10:00:00Z"),
    };
    store.put_pending_subscription(&pending("old")).unwrap();
    // A newer request replaces the older one, whose link then no longer works.
    store.put_pending_subscription(&pending("new")).unwrap();
    assert_eq!(
        store
            .take_pending_subscription("ada@example.org", "old")
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_pending_subscription("ada@example.org", "new")
            .unwrap(),
        Some(pending("new"))
    );
    assert_eq!(
        store
            .take_pending_subscription("ada@example.org", "new")
            .unwrap(),
        None
    );
}
