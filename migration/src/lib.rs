//! Database schema for Datong, one file per change. Every migration must run on SQLite and
//! PostgreSQL alike; a migration that has landed is never edited, a new one is added instead.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_admins;
mod m20261121_000002_create_wechat_tokens;
mod m20261121_000003_create_sandbox_world;
mod m20261121_000004_create_sources_and_applications;
mod m20261121_000005_create_oidc_signing_keys;
mod m20261121_000006_create_users_and_identities;
mod m20261121_000007_create_oidc_auth_requests;
mod m20261121_000008_create_login_flow;
mod m20261121_000009_add_embedded_qr;
mod m20261122_000010_create_mp_tickets;
mod m20261206_000011_create_pending_bindings;
mod m20261206_000012_users_console;
mod m20261206_000013_profile_pins;
mod m20261206_000014_webhooks;
mod m20261206_000015_daily_stats;
mod m20261206_000016_name_search;
mod m20261206_000017_upkeep_leases;
mod m20261207_000018_access_token_keys;
mod m20261207_000019_grant_sweep;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_admins::Migration),
            Box::new(m20261121_000002_create_wechat_tokens::Migration),
            Box::new(m20261121_000003_create_sandbox_world::Migration),
            Box::new(m20261121_000004_create_sources_and_applications::Migration),
            Box::new(m20261121_000005_create_oidc_signing_keys::Migration),
            Box::new(m20261121_000006_create_users_and_identities::Migration),
            Box::new(m20261121_000007_create_oidc_auth_requests::Migration),
            Box::new(m20261121_000008_create_login_flow::Migration),
            Box::new(m20261121_000009_add_embedded_qr::Migration),
            Box::new(m20261122_000010_create_mp_tickets::Migration),
            Box::new(m20261206_000011_create_pending_bindings::Migration),
            Box::new(m20261206_000012_users_console::Migration),
            Box::new(m20261206_000013_profile_pins::Migration),
            Box::new(m20261206_000014_webhooks::Migration),
            Box::new(m20261206_000015_daily_stats::Migration),
            Box::new(m20261206_000016_name_search::Migration),
            Box::new(m20261206_000017_upkeep_leases::Migration),
            Box::new(m20261207_000018_access_token_keys::Migration),
            Box::new(m20261207_000019_grant_sweep::Migration),
        ]
    }
}
