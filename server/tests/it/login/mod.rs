//! The first whole path: an application sends the browser to Datong, the person scans with
//! WeChat (the sandbox), Datong decides who they are, and the application gets standard OpenID
//! Connect tokens.

mod app_launch;
mod binding;
mod callback;
mod codes;
mod direct;
mod embedded;
mod experience;
mod flow;
mod grant;
pub mod harness;
mod kill_restart;
mod merges;
mod metrics;
mod mp_qrcode;
mod outage;
mod overview;
mod six_modes;
mod slow_wechat;
mod sso;
mod sweep;
mod two_processes;
mod users;
mod webhooks;
mod webpage;
