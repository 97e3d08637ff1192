//! What tests that drive the binary share: a seeded pseudo-random sequence, and child
//! processes that never outlive their test.

#![allow(dead_code)]

/// A deterministic pseudo-random sequence (xorshift64*), so every run tests the same cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    pub fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// One of `choices`.
    pub fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.between(0, choices.len() as u64 - 1) as usize]
    }
}

/// Kills the child when a test fails, so no daemon outlives its test.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Waits for the child to exit, up to `deadline`; `None` if it is still running.
pub fn wait_with_deadline(
    child: &mut std::process::Child,
    deadline: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if start.elapsed() > deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// `binary` (the `paperboy` under test) as a command running in `dir` with nothing on stdin
/// and a clean environment: no `PAPERBOY_*` variable (they are read as config keys, and the
/// tests' own knobs share the prefix) and no `RUST_LOG`.
pub fn clean_command(
    binary: impl AsRef<std::ffi::OsStr>,
    dir: &std::path::Path,
) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command.current_dir(dir).stdin(std::process::Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PAPERBOY_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// Sends `signal` (`"TERM"`, `"INT"`) to the child and waits for it to exit, up to `deadline`;
/// `None` if it is still running.
pub fn signal_and_wait(
    child: &mut std::process::Child,
    signal: &str,
    deadline: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.clone()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -{signal} {pid} failed");
    wait_with_deadline(child, deadline)
}

/// Follows and titles in the crash tests are built from these words; none is part of another
/// or of the filler words around them.
pub const VOCABULARY: [&str; 6] = [
    "diffusion",
    "protein",
    "graph",
    "robot",
    "quantum",
    "sparse",
];

/// One of [`VOCABULARY`].
pub fn word(rng: &mut Rng) -> &'static str {
    rng.pick(&VOCABULARY)
}

/// Whether `follow` matches `paper`, by the follow language itself (the reference the crash
/// tests hold deliveries to).
pub fn matches(follow: &str, paper: &paperboy::paper::Paper) -> bool {
    paperboy::matching::FollowQuery::parse(follow, 200)
        .expect("a valid follow")
        .match_paper(paper)
        .is_some()
}
