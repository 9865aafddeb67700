//! Folders the registry creates for its own data (the data directory, the
//! blob folder) are the owner's alone (0700 on Unix): the database and the
//! archives inside them, private modules among them, are then unreadable
//! to other users of the machine whatever mode each file gets. A folder
//! that exists already keeps the mode its owner gave it.

use std::path::Path;

/// Create `dir` and its missing parents, each created one private.
pub async fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&dir)
    })
    .await
    .map_err(std::io::Error::other)?
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn new_folders_are_private_and_old_ones_keep_their_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let new = tmp.path().join("data/blobs");
        super::create_private_dir(&new).await.unwrap();
        for d in [tmp.path().join("data"), new] {
            let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        super::create_private_dir(tmp.path()).await.unwrap();
        let mode = std::fs::metadata(tmp.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
    }
}
