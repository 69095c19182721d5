//! Integration tests: one binary, one module per area. Each test boots its own `router(state)`
//! on in-memory SQLite (store tests also on PostgreSQL when DATONG_TEST_DATABASE_URL is set).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod authorize;
mod catalog;
mod config;
mod console_catalog;
mod fuzz;
mod identity;
mod login;
mod oidc;
mod ops;
mod startup;
mod store;
mod support;
mod wechat;
