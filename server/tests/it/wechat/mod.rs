//! The WeChat client against the sandbox, over real HTTP: every endpoint, the errors the
//! sandbox can produce, the token lease. One module per area.

mod errors;
pub mod harness;
mod lease;
mod mini_program;
mod oauth;
mod protocol;
mod server_api;
