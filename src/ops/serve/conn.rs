//! What every TCP listener of `bundler serve` (HTTP, HTTPS, FTP) shares: the accept loop that keeps
//! to the [`Gate`] and keeps going through a lack of descriptors, and [`Watched`], a socket that
//! fails once no byte has moved either way for the idle timeout (a slow reader, an idle keep-alive
//! connection, a client that stalls mid-request).

use super::limits::Gate;
use super::log::{Log, Served};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// Accepts until the listener fails for good (then the error, and `serve` exits non-zero). Each
/// admitted connection runs as its own task, `TCP_NODELAY` set (a response written in pieces must
/// not wait for the peer's delayed ACK). While the listener is full it stops accepting (clients wait
/// in the kernel's backlog); a peer over its share is closed at once and logged. Out of
/// descriptors (EMFILE, ENFILE) or memory, it backs off and tries again.
pub async fn accept_loop<F, Fut>(
    proto: &'static str,
    listener: TcpListener,
    gate: Arc<Gate>,
    log: Arc<Log>,
    handle: F,
) -> io::Result<()>
where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut backoff = Duration::from_millis(10);
    loop {
        let place = gate.place().await;
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if starved(&e) => {
                eprintln!("warning: {proto}: cannot accept ({e}); trying again in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
            Err(e) if passing(&e) => continue,
            Err(e) => return Err(e),
        };
        backoff = Duration::from_millis(10);
        let Some(permit) = gate.admit(place, peer.ip()) else {
            let why = format!("too many connections from this address (limit {})", gate.per_peer());
            log.line(proto, &Served::new(peer, "-", "-").refused(None, why));
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let conn = handle(tcp, peer);
        tokio::spawn(async move {
            conn.await;
            drop(permit);
        });
    }
}

/// Out of descriptors or buffers: a condition that passes, so back off instead of failing.
fn starved(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM))
}

/// A connection that failed before it was accepted (reset, aborted, refused by a firewall rule).
fn passing(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock | PermissionDenied)
        || matches!(e.raw_os_error(), Some(libc::EPROTO | libc::ENETDOWN | libc::ENONET | libc::EHOSTUNREACH))
}

/// A stream that fails with `TimedOut` once neither a read nor a write has made progress for
/// `idle`.
pub struct Watched<T> {
    inner: T,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
}

impl<T> Watched<T> {
    pub fn new(inner: T, idle: Duration) -> Watched<T> {
        Watched { inner, idle, timer: Box::pin(tokio::time::sleep(idle)) }
    }

    fn moved(&mut self) {
        self.timer.as_mut().reset(Instant::now() + self.idle);
    }

    /// What to return for a pending read or write: pending until the idle time is over.
    fn waiting<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "idle for too long"))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        match Pin::new(&mut me.inner).poll_read(cx, buf) {
            Poll::Pending => me.waiting(cx),
            done => {
                me.moved();
                done
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        match Pin::new(&mut me.inner).poll_write(cx, buf) {
            Poll::Pending => me.waiting(cx),
            done => {
                me.moved();
                done
            }
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        match Pin::new(&mut me.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => me.waiting(cx),
            done => {
                me.moved();
                done
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        match Pin::new(&mut me.inner).poll_flush(cx) {
            Poll::Pending => me.waiting(cx),
            done => done,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        match Pin::new(&mut me.inner).poll_shutdown(cx) {
            Poll::Pending => me.waiting(cx),
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_silent_peer_times_out_and_a_talking_one_does_not() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let at = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut c = TcpStream::connect(at).await.unwrap();
            tokio::io::AsyncWriteExt::write_all(&mut c, b"x").await.unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(c);
        });
        let (tcp, _) = listener.accept().await.unwrap();
        let mut w = Watched::new(tcp, Duration::from_millis(300));
        let mut buf = [0u8; 4];
        assert_eq!(w.read(&mut buf).await.unwrap(), 1, "a byte that came is read");
        let started = std::time::Instant::now();
        let err = w.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        client.abort();
    }
}
