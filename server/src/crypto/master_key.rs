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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("cannot create master key file {}: {e}", path.display()))?;
            file.write_all(STANDARD.encode(key).as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| format!("cannot write master key file {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new master key");
            Ok(Secret::new(key))
        }
        Err(e) => Err(format!(
            "cannot read master key file {}: {e}",
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
        std::fs::write(&path, "garbage").unwrap();
        assert!(from_file(&path).unwrap_err().contains("damaged"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
