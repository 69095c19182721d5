//! The console's pages as lazy routes: each page's code is its own wasm chunk (`cargo leptos
//! build --split`), fetched when the page is first shown, so the first download holds only the
//! runtime, the router, the frame and the sign-in page.
//!
//! Each page keeps loading its own data; `data()` starts nothing. The wrappers are written out
//! one by one: `#[lazy_route]` names each chunk after the place it is written, so a
//! `macro_rules!` would give every page the same chunk name.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::applications::{ApplicationPage, Applications, NewApplication};
use super::experience::ExperienceResult;
use super::overview::Overview;
use super::sections::Logs;
use super::sources::{NewSource, SourcePage, Sources};
use super::tokens::Tokens;
use super::users::{MergePage, UserPage, Users};
use super::webhooks::Webhooks;

/// The overview (counts and charts).
pub struct OverviewRoute;

#[lazy_route]
impl LazyRoute for OverviewRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Overview /> }.into_any()
    }
}

/// The list of applications.
pub struct ApplicationsRoute;

#[lazy_route]
impl LazyRoute for ApplicationsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Applications /> }.into_any()
    }
}

/// The new-application form.
pub struct NewApplicationRoute;

#[lazy_route]
impl LazyRoute for NewApplicationRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NewApplication /> }.into_any()
    }
}

/// One application.
pub struct ApplicationRoute;

#[lazy_route]
impl LazyRoute for ApplicationRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ApplicationPage /> }.into_any()
    }
}

/// The list of identity sources.
pub struct SourcesRoute;

#[lazy_route]
impl LazyRoute for SourcesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Sources /> }.into_any()
    }
}

/// The new-source form.
pub struct NewSourceRoute;

#[lazy_route]
impl LazyRoute for NewSourceRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NewSource /> }.into_any()
    }
}

/// One identity source.
pub struct SourceRoute;

#[lazy_route]
impl LazyRoute for SourceRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SourcePage /> }.into_any()
    }
}

/// API tokens.
pub struct TokensRoute;

#[lazy_route]
impl LazyRoute for TokensRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Tokens /> }.into_any()
    }
}

/// Webhooks.
pub struct WebhooksRoute;

#[lazy_route]
impl LazyRoute for WebhooksRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Webhooks /> }.into_any()
    }
}

/// The list of users.
pub struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Users /> }.into_any()
    }
}

/// One user.
pub struct UserRoute;

#[lazy_route]
impl LazyRoute for UserRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <UserPage /> }.into_any()
    }
}

/// Merging two users.
pub struct MergeRoute;

#[lazy_route]
impl LazyRoute for MergeRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <MergePage /> }.into_any()
    }
}

/// The login log.
pub struct LogsRoute;

#[lazy_route]
impl LazyRoute for LogsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Logs /> }.into_any()
    }
}

/// The experience-login result.
pub struct ExperienceRoute;

#[lazy_route]
impl LazyRoute for ExperienceRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ExperienceResult /> }.into_any()
    }
}
