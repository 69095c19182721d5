//! Pages of users: the search, resolved to exact keys or a name, the filters, and a keyset
//! cursor on (last login, user ID), so page 1,000 costs what page 1 does.

use std::collections::HashMap;

use app::model::{UserPage, UserQuery, UserSummary, mask_phone};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};

use super::{People, PeopleError, rfc3339};
use crate::store::users::{self, After, Search};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;
/// Longer search text is cut here: no name or key is longer.
const MAX_SEARCH: usize = 256;

fn cursor_of(last_login_at: DateTime<Utc>, id: &str) -> String {
    let text = format!(
        "{}|{id}",
        last_login_at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    );
    URL_SAFE_NO_PAD.encode(text)
}

fn parse_cursor(cursor: &str) -> Option<After> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('|')?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some(After {
        last_login_at: at,
        id: id.to_string(),
    })
}

/// The exact keys a search text may be: as typed, and a mainland mobile number with the
/// country code WeChat adds (`13800138000` → `+8613800138000`).
fn exact_keys(q: &str) -> Vec<String> {
    let mut keys = vec![q.to_string()];
    let digits = q.trim_start_matches('+');
    if digits.len() >= 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        keys.push(format!("+{digits}"));
        if digits.len() == 11 {
            keys.push(format!("+86{digits}"));
        }
    }
    keys
}

fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

impl People {
    pub async fn list(&self, query: UserQuery) -> Result<UserPage, PeopleError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(PeopleError::BadQuery(
                "invalid_limit",
                format!("limit must be 1–{MAX_LIMIT}"),
            ));
        }
        let some = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let mut search = Search {
            blocked: query.blocked,
            ..Search::default()
        };
        // A NUL cannot be in a name, and PostgreSQL refuses it in any text.
        if let Some(q) = some(query.q.map(|q| q.replace('\0', ""))) {
            let q = cut(&q, MAX_SEARCH);
            search.exact = exact_keys(q);
            search.name = Some(q.to_string());
        }
        if let Some(cursor) = some(query.cursor) {
            search.after = Some(parse_cursor(&cursor).ok_or_else(|| {
                PeopleError::BadQuery(
                    "invalid_cursor",
                    "this cursor is not from a page of users".into(),
                )
            })?);
        }
        if let Some(identifier) = some(query.source) {
            let sources = self.catalog.list_sources().await?;
            let source = sources.iter().find(|s| s.identifier == identifier);
            // An unknown source matches nobody (not everybody).
            search.appids = Some(
                source
                    .and_then(|s| self.catalog.source_appid(s))
                    .into_iter()
                    .collect(),
            );
        }
        if let Some(client_id) = some(query.client_id) {
            search.application_id = Some(
                self.catalog
                    .application_by_client_id(&client_id)
                    .await?
                    .map_or(-1, |a| a.id),
            );
        }
        let (rows, more) = users::page(&self.db, &search, u64::from(limit)).await?;
        let ids: Vec<String> = rows.iter().map(|u| u.id.clone()).collect();
        let counts: HashMap<String, i64> = users::identity_counts(&self.db, &ids)
            .await?
            .into_iter()
            .collect();
        let mut modes: HashMap<String, Vec<String>> = HashMap::new();
        for (user, mode) in users::modes_used(&self.db, &ids).await? {
            modes.entry(user).or_default().push(mode);
        }
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => last.last_login_at.map(|at| cursor_of(at, &last.id)),
            _ => None,
        };
        let users = rows
            .into_iter()
            .map(|u| {
                let profile: crate::identity::Profile =
                    serde_json::from_str(&u.profile).unwrap_or_default();
                let mut used = modes.remove(&u.id).unwrap_or_default();
                used.sort();
                UserSummary {
                    identities: counts.get(&u.id).copied().unwrap_or(0).max(0) as u32,
                    modes: used,
                    phone_masked: u.phone_number.as_deref().map(mask_phone),
                    nickname: u.nickname,
                    picture: profile.picture,
                    blocked: u.blocked_at.is_some(),
                    created_at: rfc3339(u.created_at),
                    last_login_at: u.last_login_at.map(rfc3339),
                    id: u.id,
                }
            })
            .collect();
        Ok(UserPage { users, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_gives_back_the_exact_position() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T10:00:00.123456789Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let after = parse_cursor(&cursor_of(at, "u_abc"));
        assert_eq!(
            after,
            Some(After {
                last_login_at: at,
                id: "u_abc".into()
            })
        );
        assert_eq!(parse_cursor("not a cursor"), None);
        assert_eq!(parse_cursor(&URL_SAFE_NO_PAD.encode("x|y")), None);
    }

    #[test]
    fn a_mainland_number_is_also_searched_with_its_country_code() {
        assert_eq!(
            exact_keys("13800138000"),
            vec!["13800138000", "+13800138000", "+8613800138000"]
        );
        assert_eq!(exact_keys("Alice"), vec!["Alice"]);
    }

    #[test]
    fn long_search_text_is_cut_on_a_character_boundary() {
        assert_eq!(cut("张三李四", 2), "张三");
        assert_eq!(cut("ab", 5), "ab");
    }
}
