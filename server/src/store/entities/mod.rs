pub mod admin;
pub mod admin_session;
pub mod sign_in_failure;
pub mod wechat_token;
