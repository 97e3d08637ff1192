//! Telling the operator about sources: once when a source turns failing or stale, once again
//! when it recovers. Pure: the sources alerted about before and each source's verdict now go
//! in; the messages to send and the sources alerted about from now on come out. The service
//! queues the messages through the outbox like any digest, so they are durable and paced.

use std::collections::BTreeSet;

/// A configured source's verdict, as `status::snapshot` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceVerdict {
    pub name: String,
    /// Failing or stale.
    pub is_problem: bool,
    /// The verdict in words, for the message.
    pub description: String,
}

/// One message for the admin contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    Problem { source: String, description: String },
    Recovered { source: String, description: String },
}

impl Alert {
    pub fn subject(&self) -> String {
        match self {
            Alert::Problem { source, .. } => format!("paperboy: source {source} needs attention"),
            Alert::Recovered { source, .. } => format!("paperboy: source {source} recovered"),
        }
    }

    pub fn text(&self) -> String {
        match self {
            Alert::Problem {
                source,
                description,
            } => format!(
                "Source {source} is {description}. Subscribers' digests may miss its papers \
                 until it recovers; `paperboy status` has the last error."
            ),
            Alert::Recovered {
                source,
                description,
            } => format!("Source {source} has recovered: {description}."),
        }
    }
}

/// The alerts due now, and the sources that stay alerted about. A source that is no longer
/// configured is forgotten without a message.
pub fn alerts(
    alerted: &BTreeSet<String>,
    current: &[SourceVerdict],
) -> (Vec<Alert>, BTreeSet<String>) {
    let mut messages = Vec::new();
    let mut still_alerted = BTreeSet::new();
    for source in current {
        let was_alerted = alerted.contains(&source.name);
        if source.is_problem {
            still_alerted.insert(source.name.clone());
            if !was_alerted {
                messages.push(Alert::Problem {
                    source: source.name.clone(),
                    description: source.description.clone(),
                });
            }
        } else if was_alerted {
            messages.push(Alert::Recovered {
                source: source.name.clone(),
                description: source.description.clone(),
            });
        }
    }
    (messages, still_alerted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(name: &str, is_problem: bool) -> SourceVerdict {
        SourceVerdict {
            name: name.into(),
            is_problem,
            description: if is_problem { "FAILING" } else { "healthy" }.into(),
        }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    /// Runs `alerts` and returns (source, "problem" | "recovered") pairs and the new set.
    fn check(alerted: &[&str], current: &[(&str, bool)], sent: &[(&str, &str)], after: &[&str]) {
        let current: Vec<SourceVerdict> = current.iter().map(|(n, p)| verdict(n, *p)).collect();
        let (messages, still) = alerts(&set(alerted), &current);
        let got: Vec<(String, &str)> = messages
            .iter()
            .map(|m| match m {
                Alert::Problem { source, .. } => (source.clone(), "problem"),
                Alert::Recovered { source, .. } => (source.clone(), "recovered"),
            })
            .collect();
        let expected: Vec<(String, &str)> =
            sent.iter().map(|(s, k)| ((*s).to_owned(), *k)).collect();
        assert_eq!(got, expected);
        assert_eq!(still, set(after));
    }

    #[test]
    fn told_once_when_failing_and_once_when_recovered() {
        check(&[], &[("hf", false)], &[], &[]);
        check(&[], &[("hf", true)], &[("hf", "problem")], &["hf"]);
        // Still failing: no second message.
        check(&["hf"], &[("hf", true)], &[], &["hf"]);
        check(&["hf"], &[("hf", false)], &[("hf", "recovered")], &[]);
        // Sources are judged one by one.
        check(
            &["hf"],
            &[("hf", false), ("arxiv", true)],
            &[("hf", "recovered"), ("arxiv", "problem")],
            &["arxiv"],
        );
        // A source taken out of the config is forgotten quietly.
        check(&["gone"], &[("hf", false)], &[], &[]);
    }
}
