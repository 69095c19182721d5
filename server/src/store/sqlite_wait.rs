//! How a SQLite connection waits while another connection of the pool holds the write lock.
//!
//! SQLite's own waiting (`busy_timeout`) sleeps in growing steps, up to 100 ms a step, and does
//! not wake when the lock is released. With ten pooled connections writing at once, a one-line
//! `UPDATE` that needs 1 ms waited up to 130 ms under the ticket benchmark. This handler looks
//! again every 250 µs for the first 10 ms and every millisecond after that, and gives up after
//! about 5 s, as `busy_timeout` did. It runs on sqlx's worker thread for the connection, never on
//! an async task, so sleeping in it blocks only that connection.

use std::ffi::{c_int, c_void};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::sqlx::sqlite::SqliteConnection;

/// Tries at the short pause: 40 × 250 µs = 10 ms.
const SHORT_TRIES: c_int = 40;
/// Then 1 ms a try, about 5 s in all.
const GIVE_UP: c_int = SHORT_TRIES + 5_000;

/// SQLite's busy callback: non-zero means "try again", zero means "answer SQLITE_BUSY".
extern "C" fn wait(_: *mut c_void, tries: c_int) -> c_int {
    if tries >= GIVE_UP {
        return 0;
    }
    let pause = if tries < SHORT_TRIES { 250 } else { 1_000 };
    std::thread::sleep(Duration::from_micros(pause));
    1
}

/// Replaces the connection's busy handler with [`wait`]. Called once per new pooled connection.
pub async fn install(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle();
    // SAFETY: `lock_handle` keeps sqlx's worker thread off this handle for the duration of the
    // call, the handle is open, and `wait` neither unwinds nor touches any connection.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_busy_handler(raw.as_ptr(), Some(wait), std::ptr::null_mut())
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(format!(
            "could not set the SQLite busy handler (code {rc})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_briefly_first_then_longer_and_gives_up_after_about_five_seconds() {
        let total: Duration = (0..GIVE_UP)
            .map(|t| Duration::from_micros(if t < SHORT_TRIES { 250 } else { 1_000 }))
            .sum();
        assert!(total >= Duration::from_secs(5) && total < Duration::from_secs(6));
        assert_eq!(wait(std::ptr::null_mut(), GIVE_UP), 0);
        assert_eq!(wait(std::ptr::null_mut(), 0), 1);
    }
}
