//! The two kinds of failure: the user's (exit code 2) and the run's (exit code 1).

use std::fmt;

/// A bad argument, endpoint, option or socket type: reported on one line, exit code 2 (as clap's own
/// usage errors).
#[derive(Debug)]
pub(crate) struct UsageError(String);

impl UsageError {
    /// A usage error with this message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A usage error as an `anyhow::Error`.
pub(crate) fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError::new(message).into()
}

/// True when the error comes from writing to a closed pipe (`ferrozmq sub ... | head`): not a failure.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
