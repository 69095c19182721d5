//! Structured logs through `tracing`: text for people, JSON for log collectors.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(filter: &str, format: LogFormat) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter)
        .map_err(|e| format!("invalid value for `log`: {e} (example: info,datong=debug)"))?;
    // Colours only on a terminal: piped logs (files, journald, collectors) stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(ansi);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // A second init (tests, or `admin` after `serve` in one process) keeps the first subscriber.
    let _ = result;
    Ok(())
}
