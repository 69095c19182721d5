//! The console's backend: administrators, their sessions, sign-in throttling.

pub mod admins;
pub mod service;
pub mod throttle;

pub use service::ConsoleService;
