//! Datong's server: the console backend, storage, configuration and the HTTP edge.
//! `router(state)` is what the binary serves and what the integration tests boot.
// Leptos view types nest deeply; the console's forms pass the default limit in release builds.
#![recursion_limit = "256"]

pub mod api_v1;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod crypto;
pub mod experience;
pub mod http;
pub mod identity;
pub mod login;
pub mod metrics;
pub mod oidc;
pub mod people;
pub mod sandbox;
pub mod serve;
pub mod startup;
pub mod state;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod tickets;
pub mod tokens;
pub mod web;
pub mod webhooks;
pub mod wechat;

pub use http::router;
pub use state::AppState;
