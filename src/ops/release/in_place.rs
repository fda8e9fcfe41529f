//! An unchanged rebuild: when every item was reused and the tree at `--out` is already, file for
//! file, the tree this run would write (the same `manifest.json`, its report, a `SHA256SUMS` that
//! lists exactly those digests, and nothing else), the build writes, verifies and swaps nothing.
//! Each reused file was read and its SHA-256 compared with the manifest's once, when it was
//! chosen for reuse ([`super::reuse`]); a tree passes `bundler verify` when it is built, and an
//! identical tree made of identical files passes it again, so it is not read a second time. The
//! report is hashed for `SHA256SUMS` unless the input cache trusts its fingerprint, as it does the
//! reused files'.

use crate::mechanisms::checksums::Sums;
use crate::mechanisms::output::served;
use crate::mechanisms::tree_file::TreeRoot;
use crate::mechanisms::tree_manifest::{Artifact, TreeManifest, MANIFEST_JSON, REPORT_HTML, SUMS_FILE};
use crate::mechanisms::walk::Kind;
use std::collections::BTreeSet;
use std::path::Path;

/// Most entries the tree may hold to be looked at (a larger one is just built again).
const MAX_ENTRIES: usize = 100_000;

/// Whether the tree at `out` is exactly `tree` with `artifacts` (each already checked against
/// its digest): its lists match byte for byte and it holds no other file, link or folder.
pub fn already_built(
    out: &Path,
    tree: &TreeManifest,
    artifacts: &[(Artifact, Vec<u8>)],
    hasher: &super::inputs::InputHasher,
) -> bool {
    let Ok(root) = TreeRoot::open(out) else { return false };
    let read = |name: &str, max: u64| {
        let (file, _) = root.open_file(Path::new(name)).ok()?;
        crate::mechanisms::input::read_from(file, max).ok()
    };
    let Some(json) = read(MANIFEST_JSON, crate::mechanisms::tree_manifest::MAX_MANIFEST_BYTES) else { return false };
    if serde_json::to_vec_pretty(tree).ok().as_ref() != Some(&json) {
        return false;
    }
    let Some(report) = report_digest(&root, &out.join(REPORT_HTML), hasher) else { return false };
    let mut sums = Sums::default();
    for (a, _) in artifacts {
        sums.0.insert(a.path.clone(), a.sha256.clone());
    }
    sums.insert(MANIFEST_JSON, &json);
    sums.0.insert(REPORT_HTML.to_string(), report);
    let expected = sums.render().into_bytes();
    read(SUMS_FILE, expected.len() as u64) == Some(expected) && holds_only(out, &sums)
}

/// The SHA-256 of the tree's report (at `at`): the input cache's when it trusts the file's
/// fingerprint, else read (at most [`super::MAX_REPORT_BYTES`]); recorded for the next run.
fn report_digest(root: &TreeRoot, at: &Path, hasher: &super::inputs::InputHasher) -> Option<String> {
    let (file, meta) = root.open_file(Path::new(REPORT_HTML)).ok()?;
    hasher.output_digest(at, file, &meta, super::MAX_REPORT_BYTES).ok()
}

/// Whether the tree holds `SHA256SUMS`, the files it lists and nothing else: plain files and the
/// folders they are in, with the modes a build gives them (0644, 0755: a file someone made private
/// is built again, readable).
fn holds_only(out: &Path, sums: &Sums) -> bool {
    let Ok(entries) = crate::mechanisms::walk::walk(out, MAX_ENTRIES) else { return false };
    let files: BTreeSet<&str> = sums.0.keys().map(String::as_str).chain([SUMS_FILE]).collect();
    let folders: BTreeSet<&str> = files.iter().flat_map(|f| f.match_indices('/').map(|(i, _)| &f[..i])).collect();
    let mut seen = 0;
    let mode = |path: &Path, bits| std::fs::symlink_metadata(path).is_ok_and(|m| served(&m, bits));
    for entry in &entries {
        match entry.kind {
            Kind::File if files.contains(entry.rel.as_str()) && mode(&entry.path, 0o644) => seen += 1,
            Kind::Dir if folders.contains(entry.rel.as_str()) && mode(&entry.path, 0o755) => {}
            _ => return false,
        }
    }
    seen == files.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_files_and_their_folders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("UC924/sub")).unwrap();
        std::fs::write(d.join("UC924/sub/a.bin"), b"a").unwrap();
        std::fs::write(d.join("top.txt"), b"t").unwrap();
        std::fs::write(d.join(SUMS_FILE), b"").unwrap();
        use std::os::unix::fs::PermissionsExt;
        let chmod =
            |rel: &str, mode| std::fs::set_permissions(d.join(rel), std::fs::Permissions::from_mode(mode)).unwrap();
        for (rel, mode) in [("UC924", 0o755), ("UC924/sub", 0o755), ("UC924/sub/a.bin", 0o644), ("top.txt", 0o644)] {
            chmod(rel, mode); // whatever the test's umask
        }
        chmod(SUMS_FILE, 0o644);
        let mut sums = Sums::default();
        sums.insert("UC924/sub/a.bin", b"a");
        sums.insert("top.txt", b"t");
        assert!(holds_only(d, &sums));
        chmod("UC924/sub/a.bin", 0o600);
        assert!(!holds_only(d, &sums), "a file made private");
        chmod("UC924/sub/a.bin", 0o644);
        chmod("UC924/sub", 0o700);
        assert!(!holds_only(d, &sums), "a folder made private");
        chmod("UC924/sub", 0o755);
        std::fs::create_dir(d.join("empty")).unwrap();
        assert!(!holds_only(d, &sums), "a stray folder");
        std::fs::remove_dir(d.join("empty")).unwrap();
        std::fs::write(d.join("UC924/extra"), b"x").unwrap();
        assert!(!holds_only(d, &sums), "a stray file");
        std::fs::remove_file(d.join("UC924/extra")).unwrap();
        std::fs::remove_file(d.join("top.txt")).unwrap();
        assert!(!holds_only(d, &sums), "a missing file");
        std::os::unix::fs::symlink("UC924/sub/a.bin", d.join("top.txt")).unwrap();
        assert!(!holds_only(d, &sums), "a link where a file was");
    }
}
