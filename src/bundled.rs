//! Sample payloads compiled into the binary, so paperboy runs its whole pipeline with no
//! config file, no tokens and no network. They are real responses of the Hugging Face and
//! arXiv services (see samples/README.md). Pure data.

use crate::config::FileFormat;

/// One bundled sample, addressed in config as `bundled:<name>`.
pub struct Sample {
    pub name: &'static str,
    /// The source name it reports under in logs and `paperboy status`.
    pub source_name: &'static str,
    pub format: FileFormat,
    pub bytes: &'static [u8],
}

pub const SAMPLES: &[Sample] = &[
    Sample {
        name: "hf-daily-papers-2026-06-12.json",
        source_name: "sample-hf",
        format: FileFormat::HfDaily,
        bytes: include_bytes!("../samples/hf-daily-papers-2026-06-12.json"),
    },
    Sample {
        name: "arxiv-rss-2026-09-24.xml",
        source_name: "sample-arxiv-rss",
        format: FileFormat::ArxivFeed,
        bytes: include_bytes!("../samples/arxiv-rss-2026-09-24.xml"),
    },
    Sample {
        name: "arxiv-atom-2026-09-25.xml",
        source_name: "sample-arxiv-atom",
        format: FileFormat::ArxivFeed,
        bytes: include_bytes!("../samples/arxiv-atom-2026-09-25.xml"),
    },
    Sample {
        name: "arxiv-api-transformer.xml",
        source_name: "sample-arxiv-api",
        format: FileFormat::ArxivApi,
        bytes: include_bytes!("../samples/arxiv-api-transformer.xml"),
    },
];

pub fn sample(name: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.name == name)
}
