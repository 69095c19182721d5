//! Connections that carry nothing but a ticket's event stream.
//!
//! A login wave keeps thousands of code pages open, each holding one stream for up to two
//! minutes. Served by hyper, every such connection keeps hyper's read and write buffers (8 KB
//! each at least) and the middleware's state: about 28 KB each, 280 MB for 10,000 streams. So
//! the listener looks at the first bytes of each new connection without consuming them. When
//! they are a complete `GET /api/v1/login/mp-qrcode/{ticket}/events` request of the browser that
//! owns the ticket, the connection is answered here: one small task writes the events (chunked,
//! then the connection closes). Everything else, including every refusal of a stream request, is
//! handed to axum untouched and answered there. A stream asked for on a connection that already
//! carried other requests is served by the route in `browser`, the same events at a higher cost.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::follow::{self, Follow};
use crate::state::AppState;

const PREFIX: &[u8] = b"GET /api/v1/login/mp-qrcode/";
/// A stream request's head is a few hundred bytes; one that is longer goes to axum.
const MOST: usize = 4096;
/// How long a new connection may stay silent before axum gets it.
const FIRST_BYTES: Duration = Duration::from_secs(10);

/// What axum serves: every connection that is not a stream of its own.
pub struct Acceptor {
    rx: mpsc::Receiver<(TcpStream, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for Acceptor {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accepting task has ended (it only does so when this side is gone).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// Accepts on `listener` until the returned `Acceptor` is dropped.
pub fn acceptor(listener: TcpListener, state: AppState) -> io::Result<Acceptor> {
    let local = listener.local_addr()?;
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = tx.closed() => return,
            };
            let (stream, addr) = match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) {
                        // Out of file descriptors, most likely: wait rather than spin.
                        tracing::error!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let (tx, state) = (tx.clone(), state.clone());
            tokio::spawn(async move {
                if let Some(stream) = take(stream, &state).await {
                    let _ = tx.send((stream, addr)).await;
                }
            });
        }
    });
    Ok(Acceptor { rx, local })
}

/// Serves the connection here if it is a stream request that may be answered; otherwise gives
/// it back, nothing read from it.
async fn take(mut stream: TcpStream, state: &AppState) -> Option<TcpStream> {
    let Some(request) = peek_request(&stream).await else {
        return Some(stream);
    };
    let Ok(follow) = Follow::open(
        state,
        &request.ticket,
        follow::Holder::Browser(&request.headers),
    )
    .await
    else {
        return Some(stream);
    };
    // Now the head is ours: take it off the connection.
    let mut head = vec![0; request.head_len];
    if stream.read_exact(&mut head).await.is_err() {
        return None;
    }
    drop(head);
    tokio::spawn(serve(stream, follow));
    None
}

/// A stream request, read from the connection without consuming it.
#[derive(Debug)]
struct StreamRequest {
    ticket: String,
    headers: HeaderMap,
    head_len: usize,
}

async fn peek_request(stream: &TcpStream) -> Option<StreamRequest> {
    let mut buf = vec![0; MOST];
    for _ in 0..20 {
        let n = tokio::time::timeout(FIRST_BYTES, stream.peek(&mut buf))
            .await
            .ok()?
            .ok()?;
        let seen = &buf[..n];
        let k = n.min(PREFIX.len());
        if n == 0 || seen[..k] != PREFIX[..k] {
            return None;
        }
        if seen.windows(4).any(|w| w == b"\r\n\r\n") || n == MOST {
            return parse(seen);
        }
        // The head is still arriving.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// A complete HTTP/1.1 `GET …/{ticket}/events` head without a body, or `None`.
fn parse(bytes: &[u8]) -> Option<StreamRequest> {
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut fields);
    let httparse::Status::Complete(head_len) = req.parse(bytes).ok()? else {
        return None;
    };
    if req.method != Some("GET") || req.version != Some(1) {
        return None;
    }
    let path = req.path?.split('?').next()?;
    let ticket = path
        .strip_prefix("/api/v1/login/mp-qrcode/")?
        .strip_suffix("/events")?;
    // Anything axum would decode or route differently is left to axum.
    if ticket.is_empty()
        || !ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let mut headers = HeaderMap::new();
    for f in req.headers.iter() {
        let name = HeaderName::from_bytes(f.name.as_bytes()).ok()?;
        headers.append(name, HeaderValue::from_bytes(f.value).ok()?);
    }
    let body = headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || headers.contains_key(header::TRANSFER_ENCODING);
    if body || headers.contains_key(header::UPGRADE) || headers.contains_key(header::EXPECT) {
        return None;
    }
    Some(StreamRequest {
        ticket: ticket.to_string(),
        headers,
        head_len,
    })
}

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\n\
content-type: text/event-stream\r\n\
cache-control: no-cache\r\n\
transfer-encoding: chunked\r\n\
connection: close\r\n\
content-security-policy: frame-ancestors 'self'\r\n\
x-frame-options: SAMEORIGIN\r\n\
\r\n";

/// One chunk of the body.
fn chunk(text: &str) -> String {
    format!("{:x}\r\n{text}\r\n", text.len())
}

/// Writes `bytes`; false when the client is gone or has not taken them within a keep-alive
/// period (a client that stops reading does not hold the task for ever).
async fn send(stream: &mut TcpStream, bytes: &[u8]) -> bool {
    matches!(
        tokio::time::timeout(follow::KEEP_ALIVE, stream.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

/// Writes the events until a final status, the client leaves, or a write fails.
async fn serve(mut stream: TcpStream, mut follow: Follow) {
    tracing::info!(
        path = "/api/v1/login/mp-qrcode/…/events",
        "event stream on its own connection"
    );
    if !send(&mut stream, HEAD).await {
        return;
    }
    let start = tokio::time::Instant::now() + follow::KEEP_ALIVE;
    let mut keep_alive = tokio::time::interval_at(start, follow::KEEP_ALIVE);
    let mut scratch = [0u8; 64];
    loop {
        let text = tokio::select! {
            shown = follow.next() => match shown {
                Some(shown) => format!("event: status\ndata: {}\n\n", follow::data(&shown)),
                None => break,
            },
            _ = keep_alive.tick() => ":\n\n".to_string(),
            // The client sends nothing more; end of input means it has gone.
            read = stream.read(&mut scratch) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            },
        };
        if !send(&mut stream, chunk(&text).as_bytes()).await {
            return;
        }
    }
    if send(&mut stream, b"0\r\n\r\n").await {
        let _ = stream.shutdown().await;
        // Closing with unread input would reset the connection and could lose the last bytes:
        // let the client close first (or give up after a second).
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while matches!(stream.read(&mut scratch).await, Ok(n) if n > 0) {}
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz012-_9";

    fn head(first_line: &str, rest: &str) -> String {
        format!("{first_line}\r\nhost: example.com\r\ncookie: datong_login=abc\r\n{rest}\r\n")
    }

    #[test]
    fn a_plain_stream_request_is_taken_with_its_headers() {
        let h = head(
            &format!("GET /api/v1/login/mp-qrcode/{TICKET}/events HTTP/1.1"),
            "",
        );
        let r = parse(h.as_bytes()).expect("a stream request");
        assert_eq!(r.ticket, TICKET);
        assert_eq!(r.head_len, h.len());
        assert_eq!(r.headers["cookie"], "datong_login=abc");
        let q = head(
            &format!("GET /api/v1/login/mp-qrcode/{TICKET}/events?x=1 HTTP/1.1"),
            "",
        );
        assert_eq!(parse(q.as_bytes()).expect("with a query").ticket, TICKET);
    }

    #[test]
    fn everything_else_is_left_to_axum() {
        let line = |l: &str| head(l, "");
        for other in [
            line(&format!(
                "POST /api/v1/login/mp-qrcode/{TICKET}/events HTTP/1.1"
            )),
            line(&format!(
                "GET /api/v1/login/mp-qrcode/{TICKET}/events HTTP/1.0"
            )),
            line(&format!("GET /api/v1/login/mp-qrcode/{TICKET} HTTP/1.1")),
            line(&format!(
                "GET /api/v1/login/mp-qrcode/{TICKET}/image HTTP/1.1"
            )),
            line("GET /api/v1/login/mp-qrcode/a%2Fb/events HTTP/1.1"),
            line("GET /api/v1/login/mp-qrcode/a/b/events HTTP/1.1"),
            line("GET /api/v1/login/mp-qrcode//events HTTP/1.1"),
            line("GET /healthz HTTP/1.1"),
            head(
                &format!("GET /api/v1/login/mp-qrcode/{TICKET}/events HTTP/1.1"),
                "content-length: 5\r\n",
            ),
            head(
                &format!("GET /api/v1/login/mp-qrcode/{TICKET}/events HTTP/1.1"),
                "upgrade: websocket\r\n",
            ),
            // Not complete yet.
            format!("GET /api/v1/login/mp-qrcode/{TICKET}/events HTTP/1.1\r\nhost: x\r\n"),
        ] {
            assert!(parse(other.as_bytes()).is_none(), "{other}");
        }
    }

    #[test]
    fn chunks_carry_their_length_in_hex() {
        assert_eq!(chunk(":\n\n"), "3\r\n:\n\n\r\n");
        assert_eq!(
            chunk(&"x".repeat(26)),
            format!("1a\r\n{}\r\n", "x".repeat(26))
        );
    }
}
