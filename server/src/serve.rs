//! Listening, and stopping cleanly: on SIGTERM or Ctrl-C the server stops accepting connections
//! and finishes the requests in flight.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::state::AppState;

pub async fn serve(state: AppState, addr: SocketAddr) -> anyhow::Result<()> {
    // Handlers go in before we listen: a SIGTERM that arrives right after start-up must still
    // stop the server cleanly, not kill it.
    let shutdown = shutdown_signal()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!("Datong is listening on http://{local}");
    serve_on(listener, state, shutdown).await
}

pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = state.db.clone();
    state.start_background().await;
    serve_app(listener, state, shutdown).await?;
    let _ = db.close().await;
    tracing::info!("Datong stopped");
    Ok(())
}

/// Serves Datong's routes on `listener` until `shutdown`, without the background work. Streams of
/// mini-program tickets that have a connection to themselves are answered beside axum
/// (`login::ticket::direct`).
pub async fn serve_app(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    let acceptor = crate::login::ticket::direct::acceptor(listener, state.clone())
        .context("cannot read the listening address")?
        // The address of the peer reaches the handlers as `ConnectInfo`.
        .tap_io(|_| {});
    let app = crate::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(acceptor, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error")
}

/// Serves a router of its own (the standalone sandbox) until SIGTERM or Ctrl-C.
pub async fn serve_router(
    router: axum::Router,
    addr: SocketAddr,
    what: &str,
) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!("{what} is listening on http://{local}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error")?;
    tracing::info!("{what} stopped");
    Ok(())
}

fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}
