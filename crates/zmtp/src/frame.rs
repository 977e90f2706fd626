//! Message frames as the application sees them.

use std::sync::Arc;

use bytes::Bytes;

use crate::Metadata;

/// One frame (part) of a ZeroMQ message; `more` is set on every part but the last.
///
/// A received frame may carry its connection's properties ([`Frame::property`]): shared by every frame of
/// that connection (one reference count each, no copy). They take no part in equality.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// The frame body. Received bodies share the connection's input buffer, or are the buffer the
    /// caller read a large body into ([`Connection::supply_body`](crate::Connection::supply_body)): no copy.
    pub data: Bytes,
    /// Whether more frames of the same message follow.
    pub more: bool,
    /// The properties of the connection the frame came from, if any.
    metadata: Option<Arc<Metadata>>,
}

impl Frame {
    /// A final frame (`more = false`) carrying `data`.
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self {
            data: data.into(),
            more: false,
            metadata: None,
        }
    }

    /// The same frame with the MORE flag set to `more`.
    #[must_use]
    pub fn with_more(self, more: bool) -> Self {
        Self { more, ..self }
    }

    /// The same frame carrying `metadata` (or none).
    #[must_use]
    pub fn with_metadata(self, metadata: Option<Arc<Metadata>>) -> Self {
        Self { metadata, ..self }
    }

    /// The properties of the connection the frame came from (`None` for frames made locally and for
    /// inproc, as in libzmq).
    pub fn metadata(&self) -> Option<&Arc<Metadata>> {
        self.metadata.as_ref()
    }

    /// One property of the connection the frame came from (`zmq_msg_gets`), by case-insensitive name:
    /// `Socket-Type`, `Routing-Id` (alias `Identity`), `Peer-Address`, `User-Id`, or any property the
    /// peer sent in its READY.
    pub fn property(&self, name: &str) -> Option<&Bytes> {
        let metadata = self.metadata.as_deref()?;
        metadata.get(name).or_else(|| {
            if name.eq_ignore_ascii_case("Identity") {
                metadata.get("Routing-Id")
            } else if name.eq_ignore_ascii_case("Routing-Id") {
                metadata.get("Identity")
            } else {
                None
            }
        })
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data && self.more == other.more
    }
}

impl Eq for Frame {}
