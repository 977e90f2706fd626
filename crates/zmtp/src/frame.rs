//! Message frames as the application sees them.

use bytes::Bytes;

/// One frame (part) of a ZeroMQ message; `more` is set on every part but the last.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Frame {
    /// The frame body. Received bodies share the connection's input buffer (no copy).
    pub data: Bytes,
    /// Whether more frames of the same message follow.
    pub more: bool,
}

impl Frame {
    /// A final frame (`more = false`) carrying `data`.
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self {
            data: data.into(),
            more: false,
        }
    }

    /// The same frame with the MORE flag set to `more`.
    #[must_use]
    pub fn with_more(self, more: bool) -> Self {
        Self { more, ..self }
    }
}
