//! The master key that seals secrets at rest. Taken from configuration; in the embedded (SQLite)
//! set-up it may instead be generated once into `<data_dir>/master.key` (mode 0600) and reused.
//! Instances sharing a PostgreSQL database must share the key, so there it is required.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::{Config, decode_master_key};
use crate::crypto::Secret;

pub const FILE_NAME: &str = "master.key";

pub fn load_or_create(cfg: &Config) -> Result<Secret<[u8; 32]>, String> {
    if let Some(key) = &cfg.master_key {
        return Ok(key.clone());
    }
    if !cfg.is_sqlite() {
        return Err(
            "`master_key` is required with PostgreSQL so that every instance shares it: \
                    set DATONG_MASTER_KEY to 32 random bytes in base64 (`openssl rand -base64 32`)"
                .into(),
        );
    }
    from_file(&cfg.data_dir.join(FILE_NAME))
}

fn from_file(path: &Path) -> Result<Secret<[u8; 32]>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => decode_master_key(&text)
            .map(Secret::new)
            .map_err(|why| format!("master key file {} is damaged: {why}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(e) => Err(format!(
            "cannot read master key file {}: {e}",
            path.display()
        )),
    }
}

/// Writes a new key to a private temporary file, then links it into place. The link fails if
/// another instance got there first, and then its key is used: concurrent first starts agree
/// on one key, and a crash never leaves a half-written key file behind.
fn create(path: &Path) -> Result<Secret<[u8; 32]>, String> {
    let key: [u8; 32] = rand::random();
    let tmp = path.with_extension(format!(
        "tmp-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(STANDARD.encode(key).as_bytes())?;
            file.sync_all()
        });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a new master key");
            Ok(Secret::new(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => from_file(path),
        Err(e) => Err(format!(
            "cannot create master key file {}: {e}",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_once_with_private_mode_and_reused() {
        let dir = std::env::temp_dir().join(format!("datong-mk-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        let first = from_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = from_file(&path).unwrap();
        assert_eq!(first.expose(), second.expose());
        // Many first starts at once end with one key.
        let racing = dir.join("racing.key");
        let keys: Vec<_> = (0..8)
            .map(|_| {
                let p = racing.clone();
                std::thread::spawn(move || *from_file(&p).unwrap().expose())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(keys.iter().all(|k| *k == keys[0]));
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 2, "only the two key files remain");
        std::fs::write(&path, "garbage").unwrap();
        assert!(from_file(&path).unwrap_err().contains("damaged"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
