//! The console's backend: administrators, their sessions, sign-in throttling, and the catalog
//! operations its pages call.

pub mod admins;
pub mod catalog;
pub mod experience;
pub mod people;
pub mod service;
pub mod throttle;

pub use service::ConsoleService;
