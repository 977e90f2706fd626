//! The async face: [`AsyncSocket`] wraps a [`Socket`] with futures that work on any executor (tokio,
//! async-std, smol, a hand-made one): they try the operation without blocking and, when it would block,
//! ask the socket to wake the task at its next change.

use std::future::poll_fn;
use std::task::Poll;

use bytes::Bytes;
use zmtp::Frame;

use crate::error::{Error, Result};
use crate::socket::{Socket, DONTWAIT, SNDMORE};

/// A socket whose sends and receives are futures instead of blocking calls.
#[derive(Debug)]
pub struct AsyncSocket {
    socket: Socket,
}

impl From<Socket> for AsyncSocket {
    fn from(socket: Socket) -> Self {
        Self { socket }
    }
}

impl AsyncSocket {
    /// Wraps a socket.
    pub fn new(socket: Socket) -> Self {
        Self { socket }
    }

    /// The socket, for bind, connect and options.
    pub fn get_ref(&self) -> &Socket {
        &self.socket
    }

    /// Unwraps the socket.
    pub fn into_inner(self) -> Socket {
        self.socket
    }

    /// Sends one frame (its `more` flag says whether frames follow), waiting for room.
    ///
    /// # Errors
    /// As for [`Socket::send`], except that it never gives [`Error::Again`].
    pub async fn send_frame(&self, frame: Frame) -> Result<()> {
        let mut pending = Some(frame);
        poll_fn(|cx| {
            let Some(frame) = pending.take() else {
                return Poll::Ready(Ok(()));
            };
            let frame = match self.socket.try_send_frame(frame) {
                Err((Error::Again, frame)) => frame,
                other => return Poll::Ready(other.map_err(|(e, _)| e)),
            };
            self.socket.wake_on_change(cx.waker());
            // A change between the try and the registration would be missed: try once more.
            match self.socket.try_send_frame(frame) {
                Err((Error::Again, frame)) => {
                    pending = Some(frame);
                    Poll::Pending
                }
                other => Poll::Ready(other.map_err(|(e, _)| e)),
            }
        })
        .await
    }

    /// Sends one frame; `flags` may hold [`SNDMORE`].
    ///
    /// # Errors
    /// As for [`AsyncSocket::send_frame`].
    pub async fn send(&self, data: impl Into<Bytes>, flags: i32) -> Result<()> {
        self.send_frame(Frame::new(data).with_more(flags & SNDMORE != 0))
            .await
    }

    /// Sends a whole message, one frame per part.
    ///
    /// # Errors
    /// As for [`AsyncSocket::send_frame`].
    pub async fn send_multipart<I, T>(&self, parts: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<Bytes>,
    {
        let mut parts = parts.into_iter().peekable();
        while let Some(part) = parts.next() {
            let more = parts.peek().is_some();
            self.send_frame(Frame::new(part).with_more(more)).await?;
        }
        Ok(())
    }

    /// Receives the next frame, waiting for one.
    ///
    /// # Errors
    /// As for [`Socket::recv_frame`], except that it never gives [`Error::Again`].
    pub async fn recv_frame(&self) -> Result<Frame> {
        poll_fn(|cx| {
            match self.socket.recv_frame(DONTWAIT) {
                Err(Error::Again) => {}
                other => return Poll::Ready(other),
            }
            self.socket.wake_on_change(cx.waker());
            match self.socket.recv_frame(DONTWAIT) {
                Err(Error::Again) => Poll::Pending,
                other => Poll::Ready(other),
            }
        })
        .await
    }

    /// Receives the next frame's bytes.
    ///
    /// # Errors
    /// As for [`AsyncSocket::recv_frame`].
    pub async fn recv_bytes(&self) -> Result<Bytes> {
        self.recv_frame().await.map(|f| f.data)
    }

    /// Receives every frame of the next message.
    ///
    /// # Errors
    /// As for [`AsyncSocket::recv_frame`].
    pub async fn recv_multipart(&self) -> Result<Vec<Bytes>> {
        let mut parts = Vec::new();
        loop {
            let frame = self.recv_frame().await?;
            parts.push(frame.data);
            if !frame.more {
                return Ok(parts);
            }
        }
    }
}
