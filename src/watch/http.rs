//! `GET /metrics` and `GET /healthz` on one blocking thread over `std::net::TcpListener`.
//!
//! Two routes, one scraper every few seconds: a framework (and an async runtime) would be
//! most of the binary for no gain. Metric handles are atomics, so a slow scrape never holds
//! up the capture; each connection gets a short timeout so a stuck client cannot hold the
//! thread for long.

use super::metrics::{Metrics, OPENMETRICS_CONTENT_TYPE};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What `/healthz` reports: every capture running.
pub trait Health: Send + Sync {
    /// `None` when healthy, else why not.
    fn problem(&self) -> Option<String>;
}

const IO_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_REQUEST: usize = 8 * 1024;

/// Serves until `stop` is set (checked between connections, at least every 100 ms).
pub fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    health: Arc<dyn Health>,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = handle(stream, &metrics, health.as_ref())
                    && !matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::BrokenPipe
                            | io::ErrorKind::ConnectionReset
                    )
                {
                    eprintln!("dhcpscope: warning: HTTP: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("dhcpscope: warning: HTTP accept: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    Ok(())
}

/// The request line's method and path, once the header has arrived.
fn read_request(stream: &mut TcpStream) -> io::Result<Option<(String, String)>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_REQUEST {
            return Ok(None);
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let mut parts = text.lines().next().unwrap_or_default().split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(m), Some(p)) => Ok(Some((m.to_owned(), p.to_owned()))),
        _ => Ok(None),
    }
}

fn handle(mut stream: TcpStream, metrics: &Metrics, health: &dyn Health) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let Some((method, target)) = read_request(&mut stream)? else {
        return respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            "bad request\n",
            true,
        );
    };
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            "GET only\n",
            head,
        );
    }
    // The query string (Prometheus adds none, curl users might) does not change the answer.
    let path = target.split('?').next().unwrap_or_default();
    match path {
        "/metrics" => {
            let body = metrics.openmetrics();
            respond(&mut stream, "200 OK", OPENMETRICS_CONTENT_TYPE, &body, head)
        }
        "/healthz" => match health.problem() {
            None => respond(&mut stream, "200 OK", "text/plain", "ok\n", head),
            Some(why) => respond(
                &mut stream,
                "503 Service Unavailable",
                "text/plain",
                &format!("{why}\n"),
                head,
            ),
        },
        "/" => respond(
            &mut stream,
            "200 OK",
            "text/html",
            "<html><body><a href=\"/metrics\">/metrics</a> <a href=\"/healthz\">/healthz</a></body></html>\n",
            head,
        ),
        _ => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            "not found\n",
            head,
        ),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
    head_only: bool,
) -> io::Result<()> {
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if !head_only {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}
