//! The console's backend: administrators, their sessions, sign-in throttling, and the catalog
//! operations its pages call.

pub mod admins;
pub mod catalog;
pub mod people;
pub mod service;
pub mod throttle;

pub use service::ConsoleService;

/// A time as the console's tables show it.
pub fn shown_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
