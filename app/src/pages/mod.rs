pub mod layout;
pub mod not_found;
pub mod sections;
pub mod signin;
